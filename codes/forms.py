"""Forms shared by the CAR and CAE screens: the search criteria, the ids of checked rows."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from siecle.models import Division, Mef, School

from .selectors import Selection

MAX_ID = 2**63 - 1  # a database primary key: anything larger is a forged value
MAX_CHECKED = 20_000  # settings.DATA_UPLOAD_MAX_NUMBER_FIELDS already stops longer posts


class IdListField(forms.Field):
    """Checked rows of a list: the ids of the checkboxes named like the field."""

    widget = forms.MultipleHiddenInput
    INVALID = "La sélection envoyée n'est pas valide : rechargez la page."

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str | int):
            value = [value]
        if len(value) > MAX_CHECKED:
            raise ValidationError(self.INVALID)
        try:
            ids = {int(v) for v in value}
        except (TypeError, ValueError):
            raise ValidationError(self.INVALID) from None
        if any(not 0 < i <= MAX_ID for i in ids):
            raise ValidationError(self.INVALID)
        return sorted(ids)


class SearchForm(forms.Form):
    """C5, D3, C8: first letters of the student's name, MEF, division."""

    nom = forms.CharField(label="Première(s) lettre(s) du nom de l'élève", max_length=100, required=False)
    mef = forms.ModelChoiceField(label="MEF", queryset=Mef.objects.none(), required=False, empty_label="(Tous)")
    division = forms.ModelChoiceField(
        label="Division", queryset=Division.objects.none(), required=False, empty_label="(Toutes)"
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mef"].queryset = Mef.objects.filter(school=school).order_by("label")
        self.fields["division"].queryset = Division.objects.filter(school=school).order_by("code")

    def selection(self) -> Selection:
        data = self.cleaned_data if self.is_valid() else {}
        return Selection(
            mef=data.get("mef"), division=data.get("division"), name_prefix=(data.get("nom") or "").strip()
        )


class PopulationForm(forms.Form):
    """All students, one MEF or one division of the school: the population of the mass screens
    (C2, C3, D2), turned into a `Selection`."""

    POPULATION_CHOICES = [("tous", "Tous les élèves"), ("mef", "Un MEF"), ("division", "Une division")]

    population = forms.ChoiceField(
        label="Population", choices=POPULATION_CHOICES, widget=forms.RadioSelect, initial="tous"
    )
    mef = forms.ModelChoiceField(label="MEF", queryset=Mef.objects.none(), required=False, empty_label="(Choisir)")
    division = forms.ModelChoiceField(
        label="Division", queryset=Division.objects.none(), required=False, empty_label="(Choisir)"
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mef"].queryset = Mef.objects.filter(school=school).order_by("label")
        self.fields["division"].queryset = Division.objects.filter(school=school).order_by("code")

    def clean(self):
        data = super().clean()
        population = data.get("population")
        if population == "mef" and not data.get("mef"):
            self.add_error("mef", "Choisissez le MEF.")
        if population == "division" and not data.get("division"):
            self.add_error("division", "Choisissez la division.")
        return data

    def selection(self) -> Selection:
        population = self.cleaned_data["population"]
        return Selection(
            mef=self.cleaned_data["mef"] if population == "mef" else None,
            division=self.cleaned_data["division"] if population == "division" else None,
        )
