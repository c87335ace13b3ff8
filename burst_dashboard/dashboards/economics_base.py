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

"""What Admin → Cloud Bursting → Spend and the project's Burst Instances
page share: the period choice and the charts, drawn by Horizon's own
line chart (horizon.d3linechart.js: d3 and Rickshaw as Horizon ships
them) from JSON in the page."""
import json

from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import messages
from horizon.utils import memoized

from burst_core import economics

PERIOD = 'period'
PERIOD_LABELS = {
    '24h': _("Last 24 hours"),
    '7d': _("Last 7 days"),
    '30d': _("Last 30 days"),
    'mtd': _("Month to date"),
}
_X = '%Y-%m-%dT%H:%M:%S'


def period_of(request, default=economics.DEFAULT_PERIOD):
    """The period asked for in the GET parameters, or None when it is not
    one (the caller warns and uses the default)."""
    value = request.GET.get(PERIOD) or default
    return value if value in economics.PERIODS else None


def period_tabs(current):
    return [{'key': k, 'label': PERIOD_LABELS[k], 'active': k == current,
             'url': '?%s=%s' % (PERIOD, k)} for k in economics.PERIODS]


def _serie(name, unit, points, value):
    return {'name': str(name), 'unit': str(unit),
            'data': [{'x': p.at.strftime(_X), 'y': value(p)}
                     for p in points]}


def chart_json(series):
    """Horizon's line chart data (data-data): the series, fixed size,
    y from 0."""
    return json.dumps({'series': series, 'settings': {
        'renderer': 'line', 'auto_size': False, 'yMin': 0,
        'interpolation': 'step-after'}})


def demand_chart(history):
    """vCPUs of the running instances, local and on EC2, with the private
    capacity and the enter threshold as lines when known."""
    pts = history.points
    series = [_serie(_("Local vCPUs"), _("vCPUs"), pts,
                     lambda p: p.local_vcpus),
              _serie(_("EC2 vCPUs"), _("vCPUs"), pts,
                     lambda p: p.ec2_vcpus)]
    if history.capacity_vcpus:
        cap = round(history.capacity_vcpus, 2)
        series.append(_serie(_("Private capacity"), _("vCPUs"), pts,
                             lambda p: cap))
        if history.enter_vcpu_pct is not None:
            line = round(cap * history.enter_vcpu_pct / 100.0, 2)
            series.append(_serie(_("Enter threshold"), _("vCPUs"), pts,
                                 lambda p: line))
    return chart_json(series)


def burn_chart(history):
    return chart_json([_serie(_("EC2 burn rate"), _("USD/h"),
                              history.points,
                              lambda p: round(p.burn_rate, 4))])


class HistoryMixin(object):
    """A view of one period's History (burst_dashboard.api.economics):
    the period from the GET parameters, the figures and the charts."""

    def read_history(self, period):
        raise NotImplementedError

    @memoized.memoized_method
    def history(self):
        period = period_of(self.request)
        if period is None:
            messages.warning(self.request, _(
                'Unknown period "%(value)s" (one of %(choices)s).') % {
                'value': self.request.GET.get(PERIOD),
                'choices': ', '.join(economics.PERIODS)})
            period = economics.DEFAULT_PERIOD
        try:
            return self.read_history(period)
        except Exception:
            exceptions.handle(self.request, _(
                "Unable to read the instances' history from Nova."))
            return None

    def history_context(self, context):
        history = self.history()
        context['history'] = history
        context['period_tabs'] = period_tabs(
            history.period if history else None)
        if history is None:
            return context
        context['period_label'] = PERIOD_LABELS[history.period]
        context['demand_chart'] = demand_chart(history)
        context['burn_chart'] = burn_chart(history)
        context['period_total'] = sum(history.period_spend.values())
        context['month_total'] = sum(history.month_spend.values())
        return context
