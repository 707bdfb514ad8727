"""Forms of the téléservices screens: they validate and hand ready values to the services."""

from __future__ import annotations

import datetime

from django import forms

from siecle.models import Ent, School

from .models import (
    LPC_DELAY_DEFAULT,
    LPC_DELAY_MAX,
    LPC_DELAY_MIN,
    SIGNATORY_MAX,
    LetterType,
    NotesMode,
    signatory_cleaned,
)
from .selectors import ServiceStatus

OPEN, CLOSED = "open", "closed"


class OpeningForm(forms.Form):
    """One Fermé/Ouvert choice per national service; a service the school cannot claim is disabled."""

    def __init__(self, *args, statuses: list[ServiceStatus], **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = statuses
        for status in statuses:
            field = forms.ChoiceField(
                label=status.label,
                choices=[(CLOSED, "Fermé"), (OPEN, "Ouvert")],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=OPEN if status.is_open else CLOSED,
                # A closed service the school cannot claim offers no choice; an open one can still be closed.
                disabled=not status.claimable and not status.is_open,
                help_text=status.reason,
                error_messages={
                    "required": "Choisissez Fermé ou Ouvert.",
                    "invalid_choice": "Choisissez Fermé ou Ouvert.",
                },
            )
            self.fields[status.code] = field

    def states(self) -> dict[str, bool]:
        """The wished state of each service the school may change."""
        return {s.code: self.cleaned_data[s.code] == OPEN for s in self.statuses if not self.fields[s.code].disabled}


class WelcomeMessageForm(forms.Form):
    message = forms.CharField(
        label="Message d'accueil",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class LetterForm(forms.Form):
    letter_type = forms.ChoiceField(
        label="Type de courrier",
        choices=LetterType.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=LetterType.TELESERVICES,
    )
    ent = forms.ModelChoiceField(
        label="ENT à associer au courrier",
        queryset=Ent.objects.none(),
        required=False,
        empty_label="— Choisir un ENT —",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ent"].queryset = Ent.objects.filter(academy_id=school.academy_id)
        self.fields["ent"].label_from_instance = lambda e: f"{e.location} {e.description} : {e.url}"
        if self.is_bound and self.data.get("letter_type") == LetterType.TELESERVICES:
            # The ENT list is hidden for this type: whatever came with it is ignored, not judged.
            self.fields["ent"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("letter_type") in (LetterType.MIXED, LetterType.ENT_ONLY) and not data.get("ent"):
            self.add_error("ent", "Choisissez l'ENT à présenter dans ce type de courrier.")
        return data


class SignatoryForm(forms.Form):
    """The head's name as the letters print it; its own form, so saving it leaves the letter type alone."""

    signatory = forms.CharField(
        label="Nom du signataire",
        required=False,
        strip=False,  # the model's rule strips and collapses spaces, and refuses what a name cannot hold
        help_text=(
            f"Par exemple « Mme Claire Martin » ; {SIGNATORY_MAX} caractères au plus. "
            "Laissé vide, aucun nom n'est imprimé."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_signatory(self) -> str:
        return signatory_cleaned(self.cleaned_data["signatory"])


class NotesModeForm(forms.Form):
    mode = forms.ChoiceField(
        label="Type de publication",
        choices=NotesMode.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class NotesDatesForm(forms.Form):
    """Add a date to couples, or remove one; the checked couples come as "mef_id-division_id"."""

    ADD_SELECTED, ADD_ALL, REMOVE_SELECTED = "add_selected", "add_all", "remove_selected"

    action = forms.ChoiceField(
        choices=[
            (ADD_SELECTED, "Ajouter aux couples cochés"),
            (ADD_ALL, "Ajouter à tous les couples"),
            (REMOVE_SELECTED, "Supprimer des couples cochés"),
        ]
    )
    add_date = forms.DateField(
        label="Date à ajouter", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    remove_date = forms.TypedChoiceField(label="Date à supprimer", required=False, coerce=datetime.date.fromisoformat)
    couples = forms.MultipleChoiceField(label="Couples MEF / division", required=False)

    def __init__(self, *args, couple_keys: list[str], dates_in_use: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["couples"].choices = [(k, k) for k in couple_keys]
        self.fields["couples"].error_messages["invalid_choice"] = (
            "Un couple MEF / division choisi n'existe pas dans l'établissement."
        )
        self.fields["remove_date"].choices = [("", "— Choisir une date —")] + [
            (d.isoformat(), d.strftime("%d/%m/%Y")) for d in dates_in_use
        ]
        self.all_keys = couple_keys

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.ADD_SELECTED, self.ADD_ALL) and not data.get("add_date"):
            self.add_error("add_date", "Indiquez la date à ajouter.")
        if action == self.REMOVE_SELECTED and not data.get("remove_date"):
            self.add_error("remove_date", "Choisissez la date à supprimer.")
        if action in (self.ADD_SELECTED, self.REMOVE_SELECTED) and not data.get("couples"):
            self.add_error("couples", "Cochez au moins un couple MEF / division.")
        return data

    def chosen_couples(self) -> list[tuple[int, int]]:
        keys = self.all_keys if self.cleaned_data["action"] == self.ADD_ALL else self.cleaned_data["couples"]
        return [tuple(int(p) for p in k.split("-")) for k in keys]


class LpcDelayForm(forms.Form):
    days = forms.IntegerField(
        label="Délai de publication (en jours)",
        min_value=LPC_DELAY_MIN,
        max_value=LPC_DELAY_MAX,
        initial=LPC_DELAY_DEFAULT,
        help_text=f"Entre {LPC_DELAY_MIN} et {LPC_DELAY_MAX} jours ; {LPC_DELAY_DEFAULT} par défaut.",
        error_messages={
            "required": "Indiquez un délai en jours.",
            "invalid": f"Le délai s'écrit en chiffres : un nombre de jours entre {LPC_DELAY_MIN} et {LPC_DELAY_MAX}.",
            "min_value": f"Le délai est d'au moins {LPC_DELAY_MIN} jours.",
            "max_value": f"Le délai est d'au plus {LPC_DELAY_MAX} jours.",
        },
    )


class ContactForm(forms.Form):
    active = forms.TypedChoiceField(
        label="Lien de contact",
        choices=[("1", "Actif"), ("0", "Non actif")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    email = forms.ChoiceField(label="Courriel de contact", required=False)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].choices = [("", "— Aucune adresse —")] + [(e, e) for e in school.emails]
        self.fields["email"].error_messages["invalid_choice"] = "Choisissez une adresse de l'établissement."
        if not school.emails:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        data = super().clean()
        if data.get("active") and not data.get("email"):
            self.add_error("email", "Un lien de contact actif demande une adresse de réception.")
        return data
