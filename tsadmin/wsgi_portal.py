"""WSGI entry point of the families' portal, deployable alone (tsadmin.settings_portal)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings_portal")
application = get_wsgi_application()
