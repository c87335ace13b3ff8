"""WSGI entry points for gunicorn.

Keystone, nova-api and neutron parse ``sys.argv`` when imported; under
gunicorn that is gunicorn's own command line, so each entry point resets it
before importing the service.
"""
import sys

sys.argv = sys.argv[:1]
