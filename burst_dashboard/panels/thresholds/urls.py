from django.urls import re_path

from burst_dashboard.panels.thresholds import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^update/$', views.UpdateView.as_view(), name='update'),
]
