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

"""Prices from the AWS Pricing API, for the scheduler, the EC2 driver and
the dashboard: the I/O behind ``burst_core.prices.PriceBook``.

Nova's scheduler filter and EC2 driver share one lookup per region and
process, with the ``[burst]`` options (:func:`lookup`), so the price the
cost cap is decided with is the price the driver claims.
"""
import json
import logging
import threading
import time

from burst_core import prices

LOG = logging.getLogger(__name__)
_LOOKUPS = {}


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
        self._fetching = False    # a background fetch is running

    def book(self, instance_types, wait=True):
        """A PriceBook with the Pricing API's answers for
        ``instance_types`` (overrides first, the table for the rest). With
        ``wait=False`` the prices missing or older than ``ttl`` are fetched
        in a background thread and the book holds what is known now: a
        request or a page never waits for the Pricing API."""
        now = time.monotonic()
        with self._lock:
            wanted = [t for t in set(instance_types) if t and
                      (t not in self._fetched or
                       now - self._fetched[t][0] > self._ttl)]
            fetch = bool(wanted and self._factory and
                         now >= self._down_until and not self._fetching)
            self._fetching = self._fetching or (fetch and not wait)
        if fetch and wait:
            self._fetch(wanted, now)
        elif fetch:
            threading.Thread(target=self._fetch, args=(wanted, now, True),
                             daemon=True).start()
        with self._lock:
            fetched = {k: v[1] for k, v in self._fetched.items()
                       if v[1] is not None}
        return prices.PriceBook(self.region, self.overrides, fetched)

    def _fetch(self, wanted, now, background=False):
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
                        prices.table_date(), self._retry_after)
        finally:
            if background:
                with self._lock:
                    self._fetching = False

    def region_book(self, wait=False):
        """The book of every instance type the region offers (the types
        a flavor can get), without waiting for the Pricing API."""
        return self.book(prices.region_types(self.region), wait)

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


def _nova_pricing_client():
    import boto3
    from oslo_config import cfg

    from burst_nova.ec2 import client
    return boto3.session.Session().client(
        'pricing', region_name='us-east-1',
        endpoint_url=cfg.CONF.burst.pricing_endpoint_url or None,
        config=client.client_config(3, 5, 2, 'burst-nova'))


def lookup(region):
    """The PriceLookup of this Nova process for ``region``, with the
    ``[burst]`` options (price_overrides, use_pricing_api)."""
    from oslo_config import cfg

    conf = cfg.CONF.burst
    if region not in _LOOKUPS:
        _LOOKUPS[region] = PriceLookup(
            region, None,
            _nova_pricing_client if conf.use_pricing_api else None)
    _LOOKUPS[region].overrides = conf.price_overrides
    return _LOOKUPS[region]
