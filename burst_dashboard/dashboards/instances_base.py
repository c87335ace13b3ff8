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

"""What Admin → Cloud Bursting → Instances and Project → Compute → Burst
Instances share: the cells of the inventory table, the table with its
server-side pager, and the view that filters, sorts and pages the whole
joined list (:mod:`burst_core.inventory`) before rendering one page.

Every value shown comes from Nova, EC2 or a user: it is rendered escaped
(plain strings, or ``format_html`` with the values as arguments).
"""
import datetime
import hashlib
import logging
from urllib import parse

from django.urls import reverse
from django.utils.html import format_html
from django.utils.html import format_html_join
from django.utils import timesince
from django.utils.translation import gettext_lazy as _
from oslo_utils import timeutils

from horizon import exceptions
from horizon import messages
from horizon import tables
from horizon.utils import functions as utils

from openstack_dashboard.dashboards.project.instances import \
    tables as nova_tables

from burst_core.i18n import Message
from burst_core import inventory
from burst_dashboard.api import decisions as decisions_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import kept
from burst_dashboard.api import servers as servers_api
from burst_dashboard import i18n

LOG = logging.getLogger(__name__)

# GET parameters of the list pages
SHOW, SORT, DIR = 'show', 'sort', 'dir'
PROJECT, NAME, STACK = 'project', 'name', 'stack'
MARKER, PREV_MARKER = 'marker', 'prev_marker'
ASC, DESC = 'asc', 'desc'
DEFAULT_SORT = 'created'
# How long the pager keeps walking the list its first page was cut from.
SNAPSHOT_SECONDS = 120
# Sort keys whose natural first direction is the largest/newest first.
DESC_FIRST = ('created', 'price', 'cost')

# The lists of EC2 instances only: on a cold cache they need only the
# servers that are or may be on EC2 (api.instances.admin_inventory).
EC2_LISTS = ('ec2', 'drift', 'repatriate')
SHOW_LABELS = {
    'all': _("All"),
    'local': _("Local"),
    'ec2': _("EC2"),
    'drift': _("Drift"),
    'repatriate': _("Repatriation candidates"),
}
# The column whose header sorts the whole list by each sort key.
SORT_COLUMNS = {
    'name': 'name',
    'project': 'project',
    'stack': 'stack',
    'where': 'where',
    'status': 'status',
    'age': 'created',
    'ec2_type': 'type',
    'price': 'price',
    'cost': 'cost',
}
DIR_LABELS = {ASC: _("ascending"), DESC: _("descending")}
DRIFT_LABELS = {
    inventory.DRIFT_GONE: _("EC2 instance gone"),
    inventory.DRIFT_ORPHAN: _("Unknown to Nova"),
    inventory.DRIFT_POWER: _("State differs"),
    inventory.DRIFT_STRAY: _("Stray EC2 instance"),
    inventory.DRIFT_DUPLICATE: _("Duplicate EC2 instance"),
}

TARGET_LABELS = {
    'local': _("The private cloud"),
    'ec2': _("EC2"),
    'none': _("Nowhere (refused)"),
}

_STATUS = dict(nova_tables.STATUS_DISPLAY_CHOICES)
_POWER = dict(nova_tables.POWER_DISPLAY_CHOICES)
_TASK = dict(nova_tables.TASK_DISPLAY_CHOICES)


def first_direction(key):
    return DESC if key in DESC_FIRST else ASC


# ---------------------------------------------------------------- cells
def status(row):
    """Nova's status, power state and task, in Horizon's own words."""
    if row.status is None:
        return _("Not in Nova")
    parts = [_STATUS.get(row.status.lower(), row.status)]
    power = nova_tables.POWER_STATES.get(row.power_state)
    if power:
        parts.append(_POWER.get(power, power))
    if row.task_state:
        parts.append(_TASK.get(row.task_state, row.task_state))
    return ', '.join(str(p) for p in parts)


def where(row, hosts=False):
    """Local (with its host for admins), on EC2 (its region), or an EC2
    instance Nova does not know."""
    if row.where == inventory.WHERE_ORPHAN:
        return _("EC2 orphan")
    if row.where == inventory.WHERE_EC2:
        return _("EC2: %s") % (row.region or '-')
    if hosts and row.host:
        return _("Local: %s") % row.host
    return _("Local")


def where_with_host(row):
    return where(row, hosts=True)


def _ec2(attr):
    def cell(row):
        return getattr(row.ec2, attr) if row.ec2 else None
    cell.__name__ = 'ec2_' + attr
    return cell


def _utc(when):
    return when.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%d %H:%M UTC')


def launched(row):
    """EC2's launch time; for an orphan also its age (what it has been
    costing without Nova knowing)."""
    if not row.ec2 or not row.ec2.launch_time:
        return None
    when = row.ec2.launch_time
    if row.is_orphan:
        return _("%(time)s (%(age)s ago)") % {
            'time': _utc(when), 'age': timesince.timesince(when)}
    return _utc(when)


def age(row):
    """How long ago Nova created the instance (EC2 launched an orphan),
    as Horizon's Instances table says it."""
    return timesince.timesince(row.created) if row.created else None


def usd(value):
    return None if value is None else '%.4f' % value


def hourly_price(row):
    return usd(row.hourly_price())


def cost_so_far(row):
    return usd(row.cost_so_far())


def drift(row):
    """Each drift as "<kind>: <message>", escaped; empty when none."""
    return format_html_join(
        '', '<div class="burst-drift-message"><strong>{}</strong>: {}</div>',
        ((DRIFT_LABELS.get(d.code, d.code), i18n.translated(d.message))
         for d in row.drift))


def repatriate(row):
    return _("Yes") if row.repatriate else ''


def project(row):
    return row.project_name or row.project_id


def stack(row):
    return row.stack


def detail_link(url_name):
    def link(row):
        if row.is_orphan or not row.id:
            return None
        return reverse(url_name, args=(row.id,))
    return link


def decision_text(summary):
    """A decision record's summary in the user's language (it is one of
    burst_core's messages without parameters)."""
    if summary is None or not summary.message:
        return None
    return i18n.translated(Message(summary.message))


class DecisionColumn(tables.Column):
    """Why the instance went where it is: its decision record's summary,
    read by the view for the rows of the page shown; linked to the whole
    record (``detail_url``, a URL name) when there is one."""

    def __init__(self, *args, **kwargs):
        self.detail_url = kwargs.pop('detail_url', None)
        super().__init__('decision', *args, link=self.detail_url, **kwargs)

    def get_raw_data(self, datum):
        return decision_text(self.table.decisions.get(datum.id))

    def get_link_url(self, datum):
        if self.table.decisions.get(datum.id) is None:
            return None
        return reverse(self.detail_url, args=(datum.id,))


# ---------------------------------------------------------------- table
class InventoryRow(tables.Row):
    """Drift rows are marked (Bootstrap's ``warning``), repatriation
    candidates get a class of their own."""

    def load_cells(self, datum=None):
        super().load_cells(datum)
        datum = self.datum
        if datum.drift:
            self.classes.extend(['warning', 'burst-drift'])
        if datum.repatriate:
            self.classes.append('burst-repatriate')
        self.attrs['data-where'] = datum.where


class InventoryTable(tables.DataTable):
    """Columns both panels show; sorted, filtered and paged by the view
    over the whole list. A sortable column's header is a link that asks
    the view for the list sorted by it (server-side: sorting in the
    browser, Horizon's ``sortable``, would only sort one page)."""
    name = tables.WrappingColumn('name', verbose_name=_("Name"),
                                 sortable=False)
    stack = tables.Column(stack, verbose_name=_("Stack"), sortable=False)
    where = tables.Column(where, verbose_name=_("Where"), sortable=False)
    status = tables.Column(status, verbose_name=_("Status"), sortable=False)
    flavor = tables.Column('flavor', verbose_name=_("Flavor"),
                           sortable=False)
    ec2_id = tables.Column(_ec2('instance_id'),
                           verbose_name=_("EC2 instance ID"), sortable=False)
    ec2_type = tables.Column(_ec2('instance_type'),
                             verbose_name=_("EC2 type"), sortable=False)
    zone = tables.Column(_ec2('zone'), verbose_name=_("Zone"),
                         sortable=False)
    private_ip = tables.Column(_ec2('private_ip'),
                               verbose_name=_("Private IP"), sortable=False,
                               attrs={'data-type': 'ip'})
    public_ip = tables.Column(_ec2('public_ip'), verbose_name=_("Public IP"),
                              sortable=False, attrs={'data-type': 'ip'})
    ec2_state = tables.Column(_ec2('state'), verbose_name=_("EC2 state"),
                              sortable=False)
    launched = tables.Column(launched, verbose_name=_("Launched"),
                             sortable=False)
    age = tables.Column(age, verbose_name=_("Age"), sortable=False)
    price = tables.Column(hourly_price, verbose_name=_("Hourly price (USD)"),
                          sortable=False)
    cost = tables.Column(cost_so_far, verbose_name=_("Cost so far (USD)"),
                         sortable=False)
    drift = tables.Column(drift, verbose_name=_("Drift"), sortable=False)
    decision = DecisionColumn(verbose_name=_("Why here"), sortable=False)

    class Meta(object):
        name = 'burst_inventory'
        verbose_name = _("Instances")
        row_class = InventoryRow
        multi_select = False
        pagination_param = MARKER
        prev_pagination_param = PREV_MARKER

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # The list's GET parameters (show, sort, dir, filters) as
        # the view understood them: kept in the pager links and redirects.
        self.list_params = []
        # {server ID: decisions_api.Summary} of the rows shown
        self.decisions = {}

    def get_object_id(self, datum):
        return datum.id

    def link_sort_headers(self, keys, current, direction, url):
        """Turn the header of each column that sorts by one of ``keys``
        into a link to the list sorted by it: the current key's in the
        other direction (with an arrow saying which way it is sorted),
        the others in their own first direction. ``url(sort=, dir=)`` is
        the page's URL with those changed."""
        for name, column in self.columns.items():
            key = SORT_COLUMNS.get(name)
            if key not in keys:
                continue
            label = column.verbose_name
            if key == current:
                then = ASC if direction == DESC else DESC
                column.verbose_name = format_html(
                    '<a class="burst-sort-link burst-sorted" href="{}" '
                    'title="{}">{} <span class="fa fa-sort-{}"></span></a>',
                    url(sort=key, dir=then),
                    _("Sorted %(dir)s; sort %(then)s") % {
                        'dir': DIR_LABELS[direction],
                        'then': DIR_LABELS[then]},
                    label, direction)
                # A dict of its own: the class's column shares its attrs.
                column.attrs = dict(column.attrs, **{
                    'aria-sort': 'ascending' if direction == ASC
                    else 'descending'})
            else:
                column.verbose_name = format_html(
                    '<a class="burst-sort-link" href="{}">{}</a>',
                    url(sort=key, dir=first_direction(key)), label)

    def _query(self, *extra):
        return parse.urlencode(list(self.list_params) + list(extra))

    def get_pagination_string(self):
        marker = self.get_object_id(self.data[-1]) if self.data else ''
        return self._query((self._meta.pagination_param, marker))

    def get_prev_pagination_string(self):
        marker = self.get_object_id(self.data[0]) if self.data else ''
        return self._query((self._meta.prev_pagination_param, marker))

    def get_absolute_url(self):
        """Where a changed filter redirects to: the first page, with the
        current show/sort/direction kept."""
        path = self.request.get_full_path().partition('?')[0]
        kept = [(k, self.request.GET[k]) for k in (SHOW, SORT, DIR)
                if self.request.GET.get(k)]
        return '%s?%s' % (path, parse.urlencode(kept)) if kept else path


# ---------------------------------------------------------------- view
class InventoryView(tables.DataTableView):
    """Loads every row (one inventory read), then ``select`` → ``order`` →
    ``page`` and renders one page."""
    show_choices = inventory.SHOW
    sort_choices = inventory.SORT_KEYS
    # What the filter box and the GET parameters can narrow by.
    filter_fields = (NAME, STACK)
    show_ec2_reason = True     # admins see why EC2 could not be read
    # The lists whose first page a cold cache may read alone, with the
    # sort keys it may (:meth:`_newest`).
    first_page_lists = {'all': tuple(servers_api.NOVA_SORT)}
    _prev = _more = False

    def load_inventory(self, newest=None, order=None):
        """The joined list; ``newest``: a cold cache may read only that
        many of the first servers in ``order`` (sort key, direction:
        ``api.servers.server_list``); for any other list, the newest
        :meth:`_need` instead of every server when that would be slow
        (``instead`` of ``api.instances.admin_inventory``)."""
        raise NotImplementedError

    def _need(self):
        """How many servers a first page needs: one more than a page
        (Horizon's "next" link)."""
        return utils.get_page_size(self.request) + 1

    def _newest(self):
        """:meth:`_need` when the page shows the first page of a list of
        :attr:`first_page_lists` in an order Nova sorts by too
        (:meth:`_order`), with no filter. None for any other list, which
        needs every server."""
        if not self._first_unfiltered() or self._order() is None or \
                self.sort not in self.first_page_lists.get(self.show, ()):
            return None
        return self._need()

    def _first_unfiltered(self):
        """Whether the page is the first of its list (no pager marker),
        with no filter."""
        get = self.request.GET
        return not (get.get(MARKER) or get.get(PREV_MARKER) or
                    self.project or self.name or self.stack)

    def _order(self):
        """(sort key, direction) of a list by creation or by name, the
        orders Nova sorts by too; else None."""
        return (self.sort, self.direction) \
            if self.sort in servers_api.NOVA_SORT else None

    def _snapshot_key(self):
        user = self.request.user
        token = getattr(getattr(user, 'token', None), 'id', None) or ''
        return 'burst-inventory:' + hashlib.sha256((
            '%s|%s|%s' % (type(self).__module__, user.project_id, token)
        ).encode()).hexdigest()

    def read_inventory(self):
        """The joined list. A plain load (or a changed list) reads Nova
        and EC2 afresh and keeps the result for SNAPSHOT_SECONDS; the pager
        (a marker in the URL) walks that same snapshot, so the pages are
        consistent with each other and cost no backend call. Kept per
        Keystone token: nobody pages through anyone else's list."""
        key = self._snapshot_key()
        if self.request.GET.get(MARKER) or self.request.GET.get(PREV_MARKER):
            found = kept.get_compressed(key)
            if found is not None:
                self.read_at, inv = found
                return inv
        inv = self.load_inventory(self._newest(), self._order())
        self.read_at = timeutils.utcnow(with_timezone=True)
        if getattr(inv.servers, 'partial', False):
            return inv    # the pager walks a whole list, not this one
        kept.put_compressed(key, (self.read_at, inv), SNAPSHOT_SECONDS)
        return inv

    def visible_rows(self, inv):
        return inv.rows

    def has_prev_data(self, table):
        return self._prev

    def has_more_data(self, table):
        return self._more

    # ------------------------------------------------------------ input
    def _choice(self, param, choices, default, message):
        value = self.request.GET.get(param)
        if value in (None, ''):
            return default
        if value in choices:
            return value
        messages.warning(self.request, message % {
            'value': value, 'choices': ', '.join(choices)})
        return default

    def _filter_value(self, field):
        """A filter from the GET parameter of that name, else from the
        table's (server-side, session-kept) filter box."""
        value = (self.request.GET.get(field) or '').strip()
        if value:
            self._from_get.append((field, value))
            return value
        action = self.table._meta._filter_action
        if action and self.table.get_filter_field() == field:
            return self.table.get_filter_string().strip() or None
        return None

    def _read_params(self):
        self._from_get = []
        self.show = self._choice(SHOW, self.show_choices, 'all', _(
            'Unknown list "%(value)s" (one of %(choices)s): showing all '
            'instances.'))
        self.sort = self._choice(SORT, self.sort_choices, DEFAULT_SORT, _(
            'Cannot sort by "%(value)s" (one of %(choices)s): sorted by '
            'creation time.'))
        self.direction = self._choice(DIR, (ASC, DESC),
                                      first_direction(self.sort), _(
            'Unknown sort direction "%(value)s" (one of %(choices)s).'))
        self.project = self._filter_value(PROJECT) \
            if PROJECT in self.filter_fields else None
        self.name = self._filter_value(NAME)
        self.stack = self._filter_value(STACK)
        self.table.list_params = [
            (SHOW, self.show), (SORT, self.sort), (DIR, self.direction)
        ] + self._from_get

    def _newest_instead(self):
        """The cold cache read the newest servers instead of every server
        the list asked for needs (``servers.stand_in``): the page is the
        first of every instance by creation, unfiltered, and links to the
        list asked for (:attr:`asked_url`), whole once read behind it."""
        self.asked_url = self._url()
        self.show, self.sort, self.direction = 'all', DEFAULT_SORT, DESC
        self.project = self.name = self.stack = None
        self._from_get = []
        self.table.list_params = [
            (SHOW, self.show), (SORT, self.sort), (DIR, self.direction)]

    # ------------------------------------------------------------ data
    def get_data(self):
        self._prev = self._more = False
        self._read_params()
        self.inventory = None
        self.all_rows = []
        try:
            self.inventory = self.read_inventory()
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve instances."))
            return []
        finally:
            instead = getattr(getattr(self.inventory, 'servers', None),
                              'stand_in', False)
            if instead:
                self._newest_instead()
            self.table.link_sort_headers(self.sort_choices, self.sort,
                                         self.direction, self._url)
        self.all_rows = self.visible_rows(self.inventory)
        self._warn(self.inventory)
        rows = inventory.select(self.all_rows, self.show, self.project,
                                self.name, self.stack)
        rows = inventory.order(rows, self.sort, self.direction == DESC)
        marker = None if instead else self.request.GET.get(MARKER)
        prev_marker = None if instead else self.request.GET.get(PREV_MARKER)
        ids = set(r.id for r in rows)
        if (marker and marker not in ids) or \
                (prev_marker and prev_marker not in ids):
            messages.warning(self.request, _(
                "The page asked for starts at an instance no longer in this "
                "list: showing the first page."))
            marker = prev_marker = None
        shown, self._prev, self._more = inventory.page(
            rows, utils.get_page_size(self.request), marker, prev_marker)
        if instead:
            # No pager: the filter box's (session-kept) filter applies
            # to the next load, not to these rows; the page links to the
            # list asked for instead.
            self._prev = self._more = False
        self._read_decisions(shown)
        return shown

    def _read_decisions(self, rows):
        self.table.decisions, failed = decisions_api.summaries(
            self.request, [r.id for r in rows
                           if r.id and not r.is_orphan and r.status])
        if failed:
            messages.warning(self.request, _(
                "Some instances' decision records could not be read from "
                "Nova: their Why here column is empty."))

    def _warn(self, inv):
        if inv.stack_error:
            messages.warning(self.request, _(
                "%s: the Stack column is empty.") % inv.stack_error)
        if not inv.ec2_error:
            return
        outage = getattr(inv, 'ec2_outage', None)
        if outage is not None:
            # Backing off from EC2: the dashboard's own words (no AWS
            # text), the same for members and admins.
            described = getattr(inv, 'described', None)
            if described is not None and described.full_at is not None:
                text = _("EC2 (region %(region)s) %(outage)s. EC2 details "
                         "are as EC2 last gave them, in full at %(when)s; "
                         "no drift is flagged.") % {
                    'region': inv.region,
                    'outage': ec2_api.outage_text(outage),
                    'when': _utc(described.full_at)}
            else:
                text = _("EC2 (region %(region)s) %(outage)s. Local "
                         "instances are listed; EC2 details are "
                         "missing.") % {
                    'region': inv.region,
                    'outage': ec2_api.outage_text(outage)}
            if not self.show_ec2_reason:
                text += ' ' + _("If this lasts, tell your cloud "
                                "administrator.")
            messages.warning(self.request, text)
        elif self.show_ec2_reason:
            messages.warning(self.request, _(
                "EC2 (region %(region)s) could not be read: %(reason)s. "
                "Local instances are listed; EC2 details are missing.") % {
                    'region': inv.region, 'reason': inv.ec2_error})
        else:
            # AWS's reasons can name the account and its IAM roles: kept
            # for the logs and the admins.
            messages.warning(self.request, _(
                "EC2 (region %(region)s) could not be read. Local "
                "instances are listed; EC2 details are missing. If this "
                "lasts, tell your cloud administrator.") % {
                    'region': inv.region})

    # ------------------------------------------------------------ page
    def _url(self, **changes):
        """This page's URL with some list parameters changed (the pager's
        markers always dropped)."""
        params = dict((k, v) for k, v in self.table.list_params)
        params.update(changes)
        return '?' + parse.urlencode(
            [(k, v) for k, v in params.items() if v is not None])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = getattr(self, 'all_rows', [])
        counts = inventory.counts(inventory.select(
            rows, 'all', getattr(self, 'project', None),
            getattr(self, 'name', None), getattr(self, 'stack', None)))
        context['show_tabs'] = [
            {'key': key, 'label': SHOW_LABELS[key], 'count': counts[key],
             'url': self._url(show=key),
             'active': key == getattr(self, 'show', 'all')}
            for key in self.show_choices]
        context['list_params'] = {
            'show': getattr(self, 'show', 'all'),
            'sort': getattr(self, 'sort', DEFAULT_SORT),
            'dir': getattr(self, 'direction', DESC),
            'project': dict(getattr(self, '_from_get', ())).get(PROJECT),
            'name': dict(getattr(self, '_from_get', ())).get(NAME),
            'stack': dict(getattr(self, '_from_get', ())).get(STACK)}
        context['inventory'] = getattr(self, 'inventory', None)
        context['read_at'] = getattr(self, 'read_at', None)
        context['asked_url'] = getattr(self, 'asked_url', None)
        context['ec2_summary'] = ec2_summary(rows)
        return context


def ec2_summary(rows):
    """The EC2 instances among ``rows`` (live ones, orphans included):
    how many, how many billed now, $/h of those and the cost so far."""
    live = [r.ec2 for r in rows if r.ec2 is not None and r.ec2.alive]
    billed = [i for i in live if i.state in inventory.BILLED]
    return {
        'instances': len(live),
        'billed': len(billed),
        'per_hour': sum(i.hourly_price or 0.0 for i in billed),
        'cost': sum(i.cost_so_far or 0.0 for i in live),
        'unpriced': sum(1 for i in live if i.hourly_price is None),
    }
