"""URLs of the notifications, at the places the menu always had them.

Included at the site's root, before `car` and `cae`: "Notifier en masse" keeps its addresses
(/responsables/notifier/, /eleves/notifier/), and "Notifier code" sits under the pair and the
student screens. The letters' download (`notifications:letters_pdf`) comes from
`notifications.urls_letters`.
"""

from django.urls import include, path

from . import views

app_name = "notifications"

urlpatterns = [
    path("responsables/notifier/", views.guardians, name="guardians"),
    path("eleves/notifier/", views.students, name="students"),
    path("responsables/gerer/<int:link_id>/notifier/", views.pair_notify, name="pair_notify"),
    path("eleves/gerer/<int:student_id>/notifier/", views.student_notify, name="student_notify"),
    path("notifications/<uuid:job_id>/", views.run, name="run"),
    # PAPER's download of a letters PDF: notifications:letters_pdf (job_id).
    path("notifications/", include("notifications.urls_letters")),
]
