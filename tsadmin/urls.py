from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

admin.site.site_header = "TS Admin — administration académique"
admin.site.site_title = "TS Admin"

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG icon.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
    path("", include("services.home_urls")),
    path("", include("staff.urls")),
    path("gestion/", include("services.urls")),
    # Before car and cae: "Notifier en masse" and "Notifier code" live under their prefixes.
    path("", include("notifications.urls")),
    path("responsables/", include("car.urls")),
    path("eleves/", include("cae.urls")),
    path("statistiques/", include("stats.urls")),
    path("import/", include("imports.urls")),
    path("taches/", include("jobs.urls")),
    path("replication/", include("replication.urls")),
    path("journal/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
