"""The journal's filters: a kind of read and a range of days."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

from .models import ReadKind
from .selectors import ReadFilter

# Dates a person may mean: the journal keeps at most a few years.
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ReadFilterForm(forms.Form):
    type = forms.ChoiceField(label="Type de lecture", choices=[("", "(Toutes)"), *ReadKind.choices], required=False)
    du = forms.DateField(label="À partir du", required=False, widget=DayInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    au = forms.DateField(
        label="Jusqu’au (inclus)", required=False, widget=DayInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("du", "au"):
            self.fields[name].error_messages["invalid"] = "Saisissez une date valide (jj/mm/aaaa)."

    def _clean_day(self, name: str) -> datetime.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError("Saisissez une date entre 2000 et 2100.")
        return day

    def clean_du(self) -> datetime.date | None:
        return self._clean_day("du")

    def clean_au(self) -> datetime.date | None:
        return self._clean_day("au")

    def clean(self):
        data = super().clean()
        since, until = data.get("du"), data.get("au")
        if since and until and since > until:
            raise ValidationError("La date de début doit précéder la date de fin.")
        return data

    def criteria(self) -> ReadFilter:
        """The filter of a valid form (an unbound form: everything)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return ReadFilter(kind=data.get("type") or "", since=data.get("du"), until=data.get("au"))
