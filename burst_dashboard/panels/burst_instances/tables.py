from django.utils.translation import gettext_lazy as _

from horizon import tables

from burst_dashboard.panels.instances import base


class ProjectInventoryFilterAction(tables.FilterAction):
    # Its own name: the filter is kept in the session under it.
    name = 'filter_burst_project_instances'
    filter_type = 'server'
    filter_choices = (
        (base.NAME, _("Name or ID ="), True),
        (base.STACK, _("Stack (name or ID) ="), True),
    )


class ProjectInventoryTable(base.InventoryTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_("Name"), sortable=False,
        link=base.detail_link('horizon:project:instances:detail'))

    class Meta(base.InventoryTable.Meta):
        name = 'burst_project_instances'
        verbose_name = _("Instances, local and on EC2")
        table_actions = (ProjectInventoryFilterAction,)
        columns = ('name', 'stack', 'where', 'status', 'flavor', 'ec2_id',
                   'ec2_type', 'zone', 'private_ip', 'public_ip', 'ec2_state',
                   'launched', 'price', 'cost', 'drift')
