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

"""Hourly prices of EC2 instance types as plain values, and the flavor ->
instance type choice.

A PriceBook holds the prices of one region: overrides from settings, the
AWS Pricing API's answers it was given (fetched at the edges, see
``burst_nova.pricing``), then the table shipped in
``data/ec2_prices.json`` (on-demand Linux, common types and regions, with
the date it was taken).
"""
import functools
import json
import os

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


def estimate(region, vcpus, memory_mb, extra_specs, book=None):
    """(instance type, USD/h or None) a flavor would get: the cheapest
    covering type of the table (or the pinned one), priced by ``book`` (a
    PriceBook of the region; the table's prices without one). What the
    scheduler, the EC2 driver and the dashboard use for the cost cap."""
    book = book or PriceBook(region)
    try:
        itype = choose_instance_type(vcpus, memory_mb, extra_specs,
                                     region_types(region), book)
    except NoInstanceType:
        return None, None
    return itype, book.hourly(itype)
