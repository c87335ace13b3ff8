from localcloud import wsgi  # noqa: F401  (resets sys.argv first)
from keystone.wsgi.api import application  # noqa: F401,E402,H306
