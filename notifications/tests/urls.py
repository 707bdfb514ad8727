"""The project's URLs plus the letters' URL in the `notifications` namespace, until the merge
includes `notifications.urls_letters` from `notifications/urls.py`."""

from django.urls import include, path

from tsadmin.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("notifications/", include(("notifications.urls_letters", "notifications"), namespace="notifications")),
]
