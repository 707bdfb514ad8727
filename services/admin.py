from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.crypto import constant_time_compare

from siecle.admin import AcademyAdmin
from siecle.models import Academy
from tsadmin.admin_base import ReadOnlyAdmin as BaseReadOnlyAdmin

from .models import NotesPublicationDate, SchoolSettings, ServiceState, SettingChange
from .services import WelcomeReclean, WelcomeRecleanStale, academy_welcome_messages_reclean


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """Settings change only through the screens' services, which write the history: read here."""


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(ReadOnlyAdmin):
    list_display = ["school", "activated_at", "letter_type", "notes_mode", "lpc_delay_days", "contact_active"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "school__name"]
    raw_id_fields = ["school", "activated_by", "letter_ent"]


@admin.register(ServiceState)
class ServiceStateAdmin(ReadOnlyAdmin):
    list_display = ["school", "service", "is_open", "updated_at"]
    list_filter = ["service", "is_open"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "school__name"]
    raw_id_fields = ["school"]


@admin.register(NotesPublicationDate)
class NotesPublicationDateAdmin(ReadOnlyAdmin):
    list_display = ["school", "mef", "division", "date"]
    list_select_related = ["school", "mef", "division"]
    search_fields = ["school__uaj"]
    raw_id_fields = ["school", "mef", "division"]


@admin.register(SettingChange)
class SettingChangeAdmin(ReadOnlyAdmin):
    """The history is evidence: it is read here, never edited."""

    list_display = ["changed_at", "school", "setting", "old_value", "new_value", "changed_by_name"]
    list_filter = ["setting"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "changed_by_name"]


# The academy's form (siecle.admin) also holds the allow-list of the welcome messages' link
# domains (B3). A changed list would remove links from messages families already read, so, the
# way Django's own delete confirmation does, saving it first shows what would go (how many
# messages, how many links, which schools) and writes nothing until the administrator confirms;
# the confirmation applies exactly what was shown (the preview's digest) in the same transaction
# as the academy's row, or shows the page again when messages changed in between.
admin.site.unregister(Academy)

CONFIRM_FIELD = "_welcome_confirm"  # the digest of the preview confirmed
CANCEL_FIELD = "_welcome_cancel"  # back to the form, what was typed kept, nothing saved
CONTROL_FIELDS = {CONFIRM_FIELD, CANCEL_FIELD, "csrfmiddlewaretoken"}


class AcademyWelcomeDomainsForm(forms.ModelForm):
    """The academy's form: valid with a changed allow-list only once its effect is confirmed.

    `is_valid()` answers False, with no error, while the change awaits its confirmation
    (`welcome_preview`, shown instead of the form) or was cancelled (`welcome_cancelled`):
    Django's change view then saves nothing and renders the page again.
    """

    welcome_preview: WelcomeReclean | None = None  # to confirm before anything is written
    welcome_stale = False  # a confirmation was posted for messages that have changed since
    welcome_cancelled = False
    welcome_checked: WelcomeReclean | None = None  # what the save must find again, unchanged
    _welcome_valid: bool | None = None

    def is_valid(self) -> bool:
        if self._welcome_valid is None:
            self._welcome_valid = super().is_valid() and self._welcome_change_confirmed()
        return self._welcome_valid

    def _welcome_change_confirmed(self) -> bool:
        if self.instance.pk is None or "welcome_link_domains" not in self.changed_data:
            return True
        if CANCEL_FIELD in self.data:
            self.welcome_cancelled = True
            return False
        preview = academy_welcome_messages_reclean(academy=self.instance, by=None, dry_run=True)
        posted = self.data.get(CONFIRM_FIELD, "")
        # Nothing to remove saves at once; otherwise only the confirmation of this very preview does.
        if not preview.messages or (posted and constant_time_compare(posted, preview.digest)):
            self.welcome_checked = preview
            return True
        self.welcome_preview, self.welcome_stale = preview, bool(posted)
        return False


@admin.register(Academy)
class AcademyWithWelcomeDomainsAdmin(AcademyAdmin):
    form = AcademyWelcomeDomainsForm
    welcome_confirmation_template = "services/admin/academy_welcome_confirm.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        for _attempt in range(2):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except WelcomeRecleanStale:
                # A head saved his message between the check and the locked cleaning: everything
                # was rolled back; the next pass finds the new preview and shows it to be confirmed.
                continue
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if form.welcome_preview is not None and not context["errors"]:
            return self._welcome_confirmation(request, context, form.welcome_preview, stale=form.welcome_stale)
        if form.welcome_cancelled:
            self.message_user(request, "Rien n'a été enregistré : la saisie est conservée ci-dessous.", messages.INFO)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _welcome_confirmation(self, request, context, preview: WelcomeReclean, *, stale: bool) -> TemplateResponse:
        resubmitted = [
            (name, value) for name, values in request.POST.lists() if name not in CONTROL_FIELDS for value in values
        ]
        return TemplateResponse(
            request,
            self.welcome_confirmation_template,
            {
                **self.admin_site.each_context(request),
                "title": "Confirmer la nouvelle liste des domaines autorisés",
                "subtitle": str(context["original"]),
                "opts": self.opts,
                "object": context["original"],
                "preview": preview,
                "stale": stale,
                "resubmitted": resubmitted,
                "confirm_field": CONFIRM_FIELD,
                "cancel_field": CANCEL_FIELD,
            },
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not (change and form.welcome_checked is not None):
            return
        done = academy_welcome_messages_reclean(
            academy=obj, by=request.user, expected_digest=form.welcome_checked.digest
        )
        if done.messages:
            self.message_user(
                request,
                f"{done.messages} message(s) d'accueil nettoyé(s), {done.links} lien(s) retiré(s) : "
                "ils menaient à des sites qui ne sont plus autorisés.",
            )
        else:
            self.message_user(
                request,
                "Aucun message d'accueil ne change : aucun ne contient de lien vers un site retiré de la liste.",
            )
