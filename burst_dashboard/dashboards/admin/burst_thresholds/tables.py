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

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from horizon import tables

from burst_core import policy
from burst_dashboard.dashboards.admin.burst_thresholds import panel
from burst_dashboard import i18n

LABELS = {
    'enabled': _("Bursting enabled"),
    'enter_vcpu_pct': _("Enter threshold: vCPU"),
    'enter_ram_pct': _("Enter threshold: RAM"),
    'enter_disk_pct': _("Enter threshold: disk"),
    'exit_pct': _("Exit threshold"),
    'max_instances': _("Maximum EC2 instances"),
    'max_vcpus': _("Maximum EC2 vCPUs"),
    'max_cost_per_hour': _("Maximum EC2 cost per hour"),
    'region': _("EC2 region"),
    'private_aggregates': _("Private aggregates"),
    'private_zones': _("Private availability zones"),
}


def _display(field, value):
    if field == 'enabled':
        return _("Yes") if value else _("No")
    if value is None:
        return _("No cap")
    if field.endswith('_pct'):
        return '%g %%' % value
    if field == 'max_cost_per_hour':
        return '$%g/h' % value
    if field.startswith('private_'):
        return ', '.join(value) or _("All")
    return value


class Setting(object):
    def __init__(self, field, value):
        self.id = field
        self.label = LABELS[field]
        self.key = policy.FIELDS[field]
        self.value = value


def policy_rows(state):
    """A Setting per policy field: the parsed values, or the raw metadata
    strings when they do not parse."""
    if state.errors:
        meta = state.metadata
        return [Setting(f, meta.get(k, '')) for f, k in policy.FIELDS.items()]
    return [Setting(f, _display(f, getattr(state.policy, f)))
            for f in policy.FIELDS]


def describe(row, now=True):
    """The preview of one flavor as a sentence."""
    values = {'flavor': row.flavor.name, 'local': row.local, 'ec2': row.ec2,
              'stop': i18n.translated(row.stop)}
    if now:
        return _("With the current policy the next %(local)d instances of "
                 "%(flavor)s stay local, then EC2 takes %(ec2)d (caps allow "
                 "%(ec2)d more); stops because: %(stop)s") % values
    return _("With these values the next %(local)d instances of %(flavor)s "
             "stay local, then EC2 takes %(ec2)d (caps allow %(ec2)d more); "
             "stops because: %(stop)s") % values


class EditThresholds(tables.LinkAction):
    name = 'edit'
    verbose_name = _("Edit Thresholds")
    url = 'horizon:admin:burst_thresholds:update'
    classes = ('ajax-modal',)
    icon = 'pencil'
    policy_rules = (panel.SET_METADATA_RULE,)

    def allowed(self, request, datum=None):
        return bool(self.table.data)

    def get_link_url(self, datum=None):
        return reverse(self.url)


class PolicyTable(tables.DataTable):
    label = tables.Column('label', verbose_name=_("Setting"))
    value = tables.Column('value', verbose_name=_("Value"))
    key = tables.Column('key', verbose_name=_("Metadata key"))

    class Meta(object):
        name = 'policy'
        verbose_name = _("Burst Policy")
        table_actions = (EditThresholds,)


def _price(row):
    if row.hourly_price is None:
        return row.instance_type or '-'
    return '%s ($%g/h)' % (row.instance_type, row.hourly_price)


class PreviewTable(tables.DataTable):
    flavor = tables.Column(lambda r: r.flavor.name,
                           verbose_name=_("Flavor"))
    placement = tables.Column('placement', verbose_name=_("Placement"))
    instance_type = tables.Column(_price, verbose_name=_("EC2 type"))
    local = tables.Column('local', verbose_name=_("Next Local"))
    ec2 = tables.Column('ec2', verbose_name=_("Then EC2"))
    summary = tables.Column(describe, verbose_name=_("Preview"))

    class Meta(object):
        name = 'preview'
        verbose_name = _("Preview")

    def get_object_id(self, datum):
        return datum.flavor.id
