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

import dataclasses

from django.utils.translation import gettext_lazy as _

from horizon import tables


@dataclasses.dataclass(frozen=True)
class Showback:
    project_id: str
    project: str
    period: float
    month: float
    share: float           # of the month's EC2 spend, %


def showback_rows(history):
    """One row per project that spent on EC2 this month or in the period,
    the largest month first."""
    projects = history.projects or {}
    ids = set(history.period_spend) | set(history.month_spend)
    month_total = sum(history.month_spend.values())
    rows = [Showback(
        project_id=pid, project=projects.get(pid) or pid,
        period=history.period_spend.get(pid, 0.0),
        month=history.month_spend.get(pid, 0.0),
        share=(100.0 * history.month_spend.get(pid, 0.0) / month_total
               if month_total else 0.0)) for pid in ids]
    return sorted(rows, key=lambda r: (-r.month, -r.period, r.project))


def _usd(value):
    return '%.4f' % value


class ShowbackTable(tables.DataTable):
    project = tables.WrappingColumn('project', verbose_name=_("Project"))
    period = tables.Column(lambda r: _usd(r.period),
                           verbose_name=_("EC2 spend in the period (USD)"))
    month = tables.Column(lambda r: _usd(r.month),
                          verbose_name=_("EC2 spend this month (USD)"))
    share = tables.Column(lambda r: '%.1f %%' % r.share,
                          verbose_name=_("Share of this month"))

    class Meta(object):
        name = 'burst_showback'
        verbose_name = _("Showback: EC2 spend per project")
        multi_select = False

    def get_object_id(self, datum):
        return datum.project_id
