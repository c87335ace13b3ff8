"""Horizon under gunicorn, serving its collected static files itself."""
from django.contrib.staticfiles.handlers import StaticFilesHandler

from openstack_dashboard.wsgi import application as _django_app

application = StaticFilesHandler(_django_app)
