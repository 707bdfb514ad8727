from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "TS Admin — administration académique"
admin.site.site_title = "TS Admin"

urlpatterns = [
    path("", include("staff.urls")),
    path("gestion/", include("services.urls")),
    path("responsables/", include("car.urls")),
    path("eleves/", include("cae.urls")),
    path("statistiques/", include("stats.urls")),
    path("import/", include("imports.urls")),
    path("taches/", include("jobs.urls")),
    path("admin/", admin.site.urls),
]
