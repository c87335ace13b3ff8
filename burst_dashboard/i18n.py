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

"""The core's messages (a policy's errors, drift) in the user's language."""
from django.utils.translation import gettext


def translated(message):
    """A burst_core.i18n.Message translated by its template, with its
    parameters; any other text as it is."""
    msgid = getattr(message, 'msgid', None)
    if msgid is None:
        return message
    text = gettext(msgid)
    if not message.params:
        return text
    # Parameters that are messages themselves (a joined list, a resource's
    # name) are translated by their own templates.
    return text % {k: translated(v) for k, v in message.params.items()}
