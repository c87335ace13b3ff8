from django.urls import re_path

from burst_dashboard.panels.instances import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
]
