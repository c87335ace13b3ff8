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

from django.core import validators
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages

from burst_core import policy
from burst_dashboard.api import burst as burst_api
from burst_dashboard import i18n


def _pct(label):
    # A CharField, so that any text reaches policy.validate for its message.
    return forms.CharField(label=label, required=False, max_length=32,
                           help_text=_("A percentage from 0 to 100."))


def _cap(label, help_text):
    return forms.CharField(label=label, required=False, max_length=32,
                           help_text=help_text)


def starting_policy(state):
    """The policy an edit form starts from: the current one, or when the
    metadata is malformed, the defaults with every field whose key is good
    (a key whose value only fails against the defaults of the bad ones,
    say an exit threshold above a default enter threshold, is left out
    too)."""
    if not state.errors:
        return state.policy
    meta = state.metadata
    good = {field: meta[key] for field, key in policy.FIELDS.items()
            if key in meta and key not in state.errors}
    while True:
        try:
            return dataclasses.replace(policy.validate(good),
                                       revision=state.revision)
        except policy.PolicyError as e:
            bad = set(e.errors) & set(good)
            if not bad:
                return policy.BurstPolicy(revision=state.revision)
            for field in bad:
                del good[field]


def initial(state):
    """Initial values of a ThresholdsForm for a PolicyState read with its
    lock (``policy_get(request, lock=True)``)."""
    start = starting_policy(state)
    values = policy.form_values(start)
    values.update(enabled=start.enabled, revision=state.revision,
                  generation=state.lock.generation,
                  fingerprint=state.fingerprint)
    return values


# What the form was based on, passed back to burst_api.policy_save.
STATE_FIELDS = ('revision', 'generation', 'fingerprint')


class ThresholdsForm(forms.SelfHandlingForm):
    enabled = forms.BooleanField(
        label=_("Bursting enabled"), required=False,
        help_text=_("Send new instances to EC2 once the private cloud "
                    "passes a threshold."))
    enter_vcpu_pct = _pct(_("Enter threshold: vCPU (%)"))
    enter_ram_pct = _pct(_("Enter threshold: RAM (%)"))
    enter_disk_pct = _pct(_("Enter threshold: disk (%)"))
    exit_pct = forms.CharField(
        label=_("Exit threshold (%)"), required=False, max_length=32,
        help_text=_("Below every enter threshold: EC2 instances that would "
                    "fit back under it are repatriation candidates."))
    max_instances = _cap(_("Maximum EC2 instances"),
                         _("Empty: no cap."))
    max_vcpus = _cap(_("Maximum EC2 vCPUs"), _("Empty: no cap."))
    max_cost_per_hour = _cap(_("Maximum EC2 cost per hour (USD)"),
                             _("Empty: no cap."))
    region = forms.CharField(label=_("EC2 region"), required=False,
                             max_length=64)
    private_aggregates = forms.CharField(
        label=_("Private aggregates"), required=False,
        max_length=policy.MAX_VALUE_LEN,
        help_text=_("Comma-separated aggregate names that make up the "
                    "private pool. Empty: every compute host outside the "
                    "burst aggregate."))
    private_zones = forms.CharField(
        label=_("Private availability zones"), required=False,
        max_length=policy.MAX_VALUE_LEN,
        help_text=_("Comma-separated availability zones. Empty: all."))
    revision = forms.IntegerField(widget=forms.HiddenInput(), min_value=0)
    generation = forms.IntegerField(widget=forms.HiddenInput(), min_value=0)
    fingerprint = forms.CharField(
        widget=forms.HiddenInput(), min_length=64, max_length=64,
        validators=[validators.RegexValidator('^[0-9a-f]{64}$')])

    def clean(self):
        data = super().clean()
        if any(f in self.errors for f in STATE_FIELDS):
            # Hidden: their own errors would not show.
            self.add_error(None, _("This form lost track of the policy it "
                                   "was opened from. Reload it and try "
                                   "again."))
        values = {f: data[f] for f in policy.FIELDS if f in data}
        try:
            data['policy'] = policy.validate(values)
        except policy.PolicyError as e:
            self._add_errors(e.errors)
        return data

    def _add_errors(self, errors):
        for field, message in sorted(errors.items()):
            self.add_error(field if field in self.fields else None,
                           i18n.translated(message))

    def handle(self, request, data):
        values = {f: data[f] for f in policy.FIELDS}
        try:
            saved = burst_api.policy_save(
                request, values, data['revision'],
                generation=data['generation'],
                fingerprint=data['fingerprint'])
        except policy.PolicyError as e:
            self._add_errors(e.errors)
            return False
        except (burst_api.StaleRevision, burst_api.AggregateNotFound) as e:
            self.add_error(None, str(e))
            return False
        except Exception:
            exceptions.handle(request, _("Unable to save the thresholds."))
            return False
        messages.success(request, _("Saved the burst thresholds (revision "
                                    "%d).") % saved.revision)
        return True
