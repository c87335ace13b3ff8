"""Hourly prices of EC2 instance types, and the flavor -> type choice.

Pure apart from :func:`from_pricing_api`: the AWS Pricing API where it
answers, else the table shipped in ``data/ec2_prices.json`` (on-demand
Linux, common types and regions, with the date it was taken), and
per-type overrides from settings. No Nova or Django import.
"""
import functools
import json
import logging
import os
import threading
import time

LOG = logging.getLogger(__name__)

INSTANCE_TYPE_SPEC = 'burst:instance_type'
_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data',
                      'ec2_prices.json')


class NoInstanceType(ValueError):
    pass


@functools.lru_cache(maxsize=1)
def table():
    with open(_TABLE) as f:
        return json.load(f)


def table_date():
    return table()['taken']


def region_types(region):
    """{type: {'vcpus', 'memory_mb', 'usd_per_hour'}} from the table."""
    return table()['regions'].get(region, {})


class PriceBook(object):
    """Prices for one region: overrides, then the Pricing API answers it
    was given, then the shipped table."""

    def __init__(self, region, overrides=None, fetched=None):
        self.region = region
        self.overrides = {k: float(v) for k, v in (overrides or {}).items()}
        self.fetched = dict(fetched or {})

    def price(self, instance_type):
        """(USD per hour or None, source)."""
        if instance_type in self.overrides:
            return self.overrides[instance_type], 'settings'
        if instance_type in self.fetched:
            return self.fetched[instance_type], 'pricing-api'
        entry = region_types(self.region).get(instance_type)
        if entry:
            return entry['usd_per_hour'], 'table %s' % table_date()
        return None, 'unknown'

    def hourly(self, instance_type):
        return self.price(instance_type)[0]


def choose_instance_type(vcpus, memory_mb, extra_specs, offered,
                         prices=None):
    """Flavor -> EC2 instance type.

    ``extra_specs['burst:instance_type']`` if set (and offered); otherwise
    the cheapest current-generation x86_64 type offered whose vCPUs and
    memory cover the flavor; types without a price come after priced ones,
    smallest first.

    :param offered: {type: {'vcpus', 'memory_mb', optional 'current',
                     'x86_64'}}
    :param prices: PriceBook or None
    """
    pinned = (extra_specs or {}).get(INSTANCE_TYPE_SPEC)
    if pinned:
        if offered and pinned not in offered:
            raise NoInstanceType(
                'flavor pins %s=%s, which this region does not offer'
                % (INSTANCE_TYPE_SPEC, pinned))
        return pinned
    fits = []
    for name, t in offered.items():
        if not (t.get('current', True) and t.get('x86_64', True)):
            continue
        if t['vcpus'] < vcpus or t['memory_mb'] < memory_mb:
            continue
        price = prices.hourly(name) if prices else None
        fits.append((price is None, price or 0.0, t['vcpus'],
                     t['memory_mb'], name))
    if not fits:
        raise NoInstanceType(
            'no EC2 instance type offered here has %d vCPUs and %d MiB'
            % (vcpus, memory_mb))
    return min(fits)[-1]


def estimate(region, vcpus, memory_mb, extra_specs, overrides=None,
             lookup=None):
    """(instance type, USD/h or None) a flavor would get: the cheapest
    covering type of the table (or the pinned one), priced by ``lookup``
    (a PriceLookup: Pricing API, then table) when given. What the scheduler
    and the dashboard use for the cost cap."""
    book = PriceBook(region, overrides)
    offered = region_types(region)
    try:
        itype = choose_instance_type(vcpus, memory_mb, extra_specs,
                                     offered, book)
    except NoInstanceType:
        return None, None
    if lookup is not None:
        return itype, lookup.book([itype]).hourly(itype)
    return itype, book.hourly(itype)


class PriceLookup(object):
    """Prices from the AWS Pricing API where it answers, cached for ``ttl``
    seconds; when it does not answer, it is left alone for ``retry_after``
    seconds and the shipped table is used. Overrides always win.

    :param client_factory: callable returning a boto3 ``pricing`` client,
        or None to use the table only.
    """

    def __init__(self, region, overrides=None, client_factory=None,
                 ttl=24 * 3600, retry_after=3600):
        self.region = region
        self.overrides = overrides or {}
        self._factory = client_factory
        self._ttl = ttl
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._fetched = {}        # type -> (time, price)
        self._down_until = 0.0

    def book(self, instance_types):
        now = time.monotonic()
        wanted = [t for t in set(instance_types) if t and
                  (t not in self._fetched or
                   now - self._fetched[t][0] > self._ttl)]
        if wanted and self._factory and now >= self._down_until:
            try:
                client = self._factory()
                for itype in wanted:
                    price = from_pricing_api(client, self.region, itype)
                    with self._lock:
                        self._fetched[itype] = (now, price)
            except Exception as e:  # any failure: use the table for now
                self._down_until = now + self._retry_after
                LOG.warning('AWS Pricing API did not answer (%s); using the '
                            'price table of %s for %ds', type(e).__name__,
                            table_date(), self._retry_after)
        with self._lock:
            fetched = {k: v[1] for k, v in self._fetched.items()
                       if v[1] is not None}
        return PriceBook(self.region, self.overrides, fetched)

    def available(self):
        return self._factory is not None and \
            time.monotonic() >= self._down_until


def from_pricing_api(pricing_client, region, instance_type):
    """On-demand Linux USD/h from the AWS Pricing API, or None."""
    resp = pricing_client.get_products(
        ServiceCode='AmazonEC2', MaxResults=1, Filters=[
            {'Type': 'TERM_MATCH', 'Field': f, 'Value': v} for f, v in (
                ('instanceType', instance_type), ('regionCode', region),
                ('operatingSystem', 'Linux'), ('tenancy', 'Shared'),
                ('preInstalledSw', 'NA'), ('capacitystatus', 'Used'))])
    for item in resp.get('PriceList', []):
        product = json.loads(item) if isinstance(item, str) else item
        for term in product.get('terms', {}).get('OnDemand', {}).values():
            for dim in term.get('priceDimensions', {}).values():
                usd = dim.get('pricePerUnit', {}).get('USD')
                if usd is not None:
                    return float(usd)
    return None
