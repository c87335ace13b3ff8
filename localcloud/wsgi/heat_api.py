"""heat-api under gunicorn: Heat reads its options from ``sys.argv`` and
looks for its configuration only in ~/.heat, ~, /etc/heat and /etc, so the
entry point names the local cloud's file."""
import sys

from localcloud import config  # noqa: F401  (no service import)
from localcloud import wsgi  # noqa: F401  (resets sys.argv first)

sys.argv = sys.argv[:1] + ['--config-file',
                           config.etc('heat', 'heat.conf')]

from heat.wsgi.api import application  # noqa: F401,E402,H306
