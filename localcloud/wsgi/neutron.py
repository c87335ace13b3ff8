from localcloud import wsgi  # noqa: F401  (resets sys.argv first)
from neutron.wsgi.api import application  # noqa: F401,E402,H306
from sqlalchemy import orm  # noqa: E402

# API-only neutron (no agents, no RPC workers) runs no query before its first
# port listing, which reads backrefs (Port.port_forwardings) that exist only
# once SQLAlchemy has configured its mappers: configure them now.
orm.configure_mappers()
