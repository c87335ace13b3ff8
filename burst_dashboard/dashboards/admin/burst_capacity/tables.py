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

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from horizon import tables

from burst_dashboard import i18n


def bar(usage):
    """A usage as a bar with the enter threshold marked on it."""
    pct = usage.pct
    if pct is None:
        return usage.display()
    classes = 'progress-bar'
    if usage.over:
        classes += ' progress-bar-danger'
    elif usage.threshold is not None and pct >= usage.threshold * 0.9:
        classes += ' progress-bar-warning'
    marker = ''
    if usage.threshold is not None:
        marker = format_html(
            '<span class="burst-threshold" style="left: {}%" '
            'title="{}"></span>', '%.1f' % min(100.0, usage.threshold),
            _("Threshold %s %%") % ('%g' % usage.threshold))
    return format_html(
        '<div class="burst-bar{}"><div class="progress">'
        '<div class="{}" style="width: {}%"></div>{}</div>'
        '<span class="burst-bar-text">{}</span></div>',
        ' burst-over' if usage.over else '', classes,
        '%.1f' % min(100.0, pct), marker, usage.display())


def _usage(index):
    def cell(row):
        return bar(row.usages[index])
    return cell


def _service(row):
    if row.service is None:
        return _("Unknown")
    text = '%s, %s' % (row.status, row.state)
    reason = getattr(row.service, 'disabled_reason', None)
    if reason:
        text += ' (%s)' % reason
    if row.unavailable:
        return format_html('<span class="label label-danger '
                           'burst-host-unavailable">{}</span>', text)
    return text


class _UsageTable(tables.DataTable):
    """vCPU, RAM and disk used / capacity, last, for hosts and groups."""
    vcpu = tables.Column(_usage(0), verbose_name=_("vCPUs used / capacity"))
    ram = tables.Column(_usage(1),
                        verbose_name=_("RAM (GiB) used / capacity"))
    disk = tables.Column(_usage(2),
                         verbose_name=_("Disk (GiB) used / capacity"))

    def get_object_id(self, datum):
        return datum.id


class HostsTable(_UsageTable):
    host = tables.Column('id', verbose_name=_("Host"))
    zone = tables.Column('zone', verbose_name=_("Availability Zone"),
                         empty_value='-')
    aggregates = tables.Column(lambda r: ', '.join(r.aggregates) or '-',
                               verbose_name=_("Aggregates"))
    service = tables.Column(_service, verbose_name=_("nova-compute"))

    class Meta(object):
        name = 'hosts'
        verbose_name = _("Private Hosts")
        columns = ('host', 'zone', 'aggregates', 'service', 'vcpu', 'ram',
                   'disk')


class GroupsTable(_UsageTable):
    kind = tables.Column('kind', verbose_name=_("Group"))
    name = tables.Column('name', verbose_name=_("Name"))
    hosts = tables.Column(lambda r: len(r.hosts), verbose_name=_("Hosts"))

    class Meta(object):
        name = 'groups'
        verbose_name = _("Private Pool by Zone and Aggregate")
        columns = ('kind', 'name', 'hosts', 'vcpu', 'ram', 'disk')


def _count(value, limit):
    if value >= limit:
        return '%d+' % limit
    return value


def _ec2_type(row):
    if row.hourly_price is None:
        return row.instance_type or '-'
    return '%s ($%.4f/h)' % (row.instance_type, row.hourly_price)


class HeadroomTable(tables.DataTable):
    flavor = tables.Column(lambda r: r.flavor.name, verbose_name=_("Flavor"))
    size = tables.Column(
        lambda r: _("%(vcpus)d vCPU, %(ram)s GiB RAM, %(disk)d GiB disk")
        % {'vcpus': r.flavor.vcpus, 'ram': '%g' % (r.flavor.ram / 1024.0),
           'disk': r.flavor.disk or 0},
        verbose_name=_("Size"))
    placement = tables.Column('placement', verbose_name=_("Placement"))
    local = tables.Column(lambda r: _count(r.local_before_threshold,
                                           r.limit),
                          verbose_name=_("Local before threshold"))
    at_all = tables.Column(lambda r: _count(r.local_at_all, r.limit),
                           verbose_name=_("Local at all"))
    public = tables.Column(lambda r: _count(r.public, r.limit),
                           verbose_name=_("EC2 can still take"))
    instance_type = tables.Column(_ec2_type, verbose_name=_("EC2 type"))
    stop = tables.Column(lambda r: i18n.translated(r.public_stop),
                         verbose_name=_("EC2 limited by"))

    class Meta(object):
        name = 'headroom'
        verbose_name = _("Headroom by Flavor")

    def get_object_id(self, datum):
        return datum.flavor.id
