from django.utils.translation import gettext_lazy as _

from horizon import views


class IndexView(views.HorizonTemplateView):
    template_name = 'burst_dashboard/burst_instances/index.html'
    page_title = _("Burst Instances")
