from localcloud import wsgi  # noqa: F401  (resets sys.argv first)
from nova.wsgi.osapi_compute import application  # noqa: F401,E402,H306
