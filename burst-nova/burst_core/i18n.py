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

"""Messages the core hands to people (a policy's errors, drift) in a form
the dashboard can translate, without a translation library here.

A Message is the English text (a ``str``: Nova's logs and faults use it
as it is) that also keeps its untranslated template and parameters; the
dashboard looks the template up in its catalogue
(``burst_dashboard.i18n.translated``).
"""


def _(msgid):
    """Marks a template for message extraction (like gettext_noop)."""
    return msgid


class Message(str):

    def __new__(cls, msgid, **params):
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self):
        # Kept whole through Django's cache (the Instances page snapshot).
        return (_message, (self.msgid, self.params))


def _message(msgid, params):
    return Message(msgid, **params)


def join(messages, separator='; '):
    """Messages (or plain texts) joined into one Message, each part still
    translatable by its own template."""
    messages = list(messages)
    return Message(separator.replace('%', '%%').join(
        '%%(m%d)s' % i for i in range(len(messages))),
        **{'m%d' % i: m for i, m in enumerate(messages)})


def to_data(message):
    """A Message as plain data (JSON-able): its template and parameters,
    nested messages too; other values as they are."""
    if isinstance(message, Message):
        return {'msgid': message.msgid,
                'params': {k: to_data(v) for k, v in message.params.items()}}
    return message


def from_data(data):
    """The Message :func:`to_data` made; ValueError when ``data`` is not
    one (a template that does not take its parameters, wrong types)."""
    if not isinstance(data, dict):
        if data is None or isinstance(data, (str, int, float)):
            return data
        raise ValueError('not a message: %r' % type(data).__name__)
    msgid, params = data.get('msgid'), data.get('params', {})
    if not isinstance(msgid, str) or not isinstance(params, dict):
        raise ValueError('not a message')
    try:
        return Message(msgid, **{str(k): from_data(v)
                                 for k, v in params.items()})
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError('message does not take its parameters: %s' % e)
