from django.utils.translation import gettext_lazy as _

from horizon import tables

from burst_dashboard.panels.instances import base


class AdminInventoryFilterAction(tables.FilterAction):
    # Its own name: the filter is kept in the session under it.
    name = 'filter_burst_admin_instances'
    filter_type = 'server'
    filter_choices = (
        (base.NAME, _("Name or ID ="), True),
        (base.STACK, _("Stack (name or ID) ="), True),
        (base.PROJECT, _("Project (name or ID) ="), True),
    )


class AdminInventoryTable(base.InventoryTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_("Name"), sortable=False,
        link=base.detail_link('horizon:admin:instances:detail'))
    project = tables.Column(base.project, verbose_name=_("Project"),
                            sortable=False)
    where = tables.Column(base.where_with_host, verbose_name=_("Where"),
                          sortable=False)
    repatriate = tables.Column(base.repatriate, verbose_name=_("Repatriate"),
                               sortable=False)

    class Meta(base.InventoryTable.Meta):
        name = 'burst_admin_instances'
        verbose_name = _("Instances, local and on EC2")
        table_actions = (AdminInventoryFilterAction,)
        columns = ('name', 'project', 'stack', 'where', 'status', 'flavor',
                   'ec2_id', 'ec2_type', 'zone', 'private_ip', 'public_ip',
                   'ec2_state', 'launched', 'price', 'cost', 'drift',
                   'repatriate')
