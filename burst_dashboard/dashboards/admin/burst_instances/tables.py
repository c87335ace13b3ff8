# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

from django.utils.translation import gettext_lazy as _

from horizon import tables

from burst_dashboard.dashboards import instances_base as base


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
    decision = base.DecisionColumn(
        verbose_name=_("Why here"), sortable=False,
        detail_url='horizon:admin:burst_instances:decision')

    class Meta(base.InventoryTable.Meta):
        name = 'burst_admin_instances'
        verbose_name = _("Instances, local and on EC2")
        table_actions = (AdminInventoryFilterAction,)
        columns = ('name', 'project', 'stack', 'where', 'status', 'flavor',
                   'ec2_id', 'ec2_type', 'zone', 'private_ip', 'public_ip',
                   'ec2_state', 'launched', 'age', 'price', 'cost', 'drift',
                   'decision', 'repatriate')
