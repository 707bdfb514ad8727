from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from siecle.importer import ExportFile, ExportRefused, check_headers
from siecle.importer.run import refuse_past_year
from siecle.models import School


class SiecleImportForm(forms.Form):
    export = forms.FileField(
        label="Export SIECLE",
        help_text="Un fichier XML ou ZIP exporté de SIECLE BEE : élèves, responsables, nomenclatures ou structures.",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_export(self):
        upload = self.cleaned_data["export"]
        limit = settings.SIECLE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Le fichier est trop volumineux ({filesizeformat(upload.size)} ; au plus {filesizeformat(limit)})."
            )
        try:
            header = check_headers([ExportFile(upload, name=upload.name)])[0]
        except ExportRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        if header.uaj != self.school.uaj:
            raise forms.ValidationError(
                f"Ce fichier est l'export de l'établissement {header.uaj}, pas du vôtre ({self.school.uaj}) : "
                "il n'a pas été importé."
            )
        try:
            refuse_past_year(self.school, [header])
        except ExportRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        upload.seek(0)
        return upload


class ApplyImportForm(forms.Form):
    """ "Appliquer cet import": the box is shown, and must be ticked, only when the preview is in red."""

    confirm_risks = forms.BooleanField(required=False)
