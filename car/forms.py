"""Forms of the guardians' code screens: mass-creation criteria, the checked pairs and the action."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from codes.forms import IdListField, PopulationForm


class MassCreateForm(PopulationForm):
    """C2 criteria: population (all, one MEF, one division) and which pairs to list."""

    FILTER_CHOICES = [("sans", "Sans code valide"), ("tous", "Tous")]

    filtre = forms.ChoiceField(label="Type d'accès", choices=FILTER_CHOICES, widget=forms.RadioSelect, initial="sans")

    @property
    def shows_all(self) -> bool:
        return self.cleaned_data.get("filtre") == "tous"


class CheckedPairsForm(forms.Form):
    """The rows checked in a list, and which action the button asked for."""

    ACTIONS = [("creer", "Créer"), ("retirer", "Retirer"), ("refuser", "Refuser"), ("autoriser", "Autoriser")]

    action = forms.ChoiceField(
        choices=ACTIONS,
        error_messages={
            "required": "Action inconnue : rechargez la page et recommencez.",
            "invalid_choice": "Action inconnue : rechargez la page et recommencez.",
        },
    )
    couples = IdListField(required=False)
    retraits = IdListField(required=False)
    # "Tout cocher" of the mass-creation list: every creatable pair of the selection, all pages.
    tout = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not self.ids() and not self.whole_selection():
            raise ValidationError("Cochez au moins une ligne de la liste.")
        return data

    def whole_selection(self) -> bool:
        """Creation for every creatable pair of the criteria, not only the boxes of this page."""
        return bool(self.cleaned_data.get("tout")) and self.cleaned_data.get("action") == "creer"

    def ids(self) -> list[int]:
        """The rows checked for the chosen action ("retirer" has its own column of boxes)."""
        field = "retraits" if self.cleaned_data.get("action") == "retirer" else "couples"
        return self.cleaned_data.get(field) or []
