"""Forms of the notification screens: the C3 and D2 criteria, the "Notifier code" choice."""

from __future__ import annotations

import uuid

from django import forms

from codes.forms import PopulationForm
from siecle.models import LegalRank

from .selectors import (
    MODE_BOTH,
    MODE_EMAIL,
    MODE_LETTER,
    REFUSED_ALL,
    REFUSED_NO,
    REFUSED_YES,
    WHO_ALL,
    WHO_NEW,
    WHO_NO_ACCOUNT,
)


class GuardianNotifyForm(PopulationForm):
    """C3 criteria: population, legal ranks, who, transmission mode (the list needs a mode)."""

    RANK_CHOICES = [(str(LegalRank.LEGAL_1.value), "Légal 1"), (str(LegalRank.LEGAL_2.value), "Légal 2")]
    WHO_CHOICES = [
        (WHO_NEW, "Non notifiés uniquement"),
        (WHO_NO_ACCOUNT, "Déjà notifiés mais sans compte"),
        (WHO_ALL, "Tous"),
    ]

    rangs = forms.MultipleChoiceField(
        label="Responsables",
        choices=RANK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[c for c, _ in RANK_CHOICES],
        error_messages={"required": "Cochez au moins un des responsables : légal 1 ou légal 2."},
    )
    qui = forms.ChoiceField(label="Notification", choices=WHO_CHOICES, widget=forms.RadioSelect, initial=WHO_NEW)
    courriel = forms.BooleanField(label="Courrier électronique", required=False)
    papier = forms.BooleanField(label="Document papier", required=False)

    @property
    def mode(self) -> str:
        """The transmission mode chosen ("" when none: the list is not shown yet)."""
        data = self.cleaned_data if self.is_valid() else {}
        email, paper = bool(data.get("courriel")), bool(data.get("papier"))
        if email and paper:
            return MODE_BOTH
        if email:
            return MODE_EMAIL
        if paper:
            return MODE_LETTER
        return ""

    def ranks(self) -> list[int]:
        return sorted(int(r) for r in self.cleaned_data["rangs"])


class StudentNotifyForm(PopulationForm):
    """D2 criteria: population, notified or not, refusal Tous / Oui / Non."""

    WHO_CHOICES = [(WHO_NEW, "Non notifiés uniquement"), (WHO_ALL, "Tous")]
    REFUSED_CHOICES = [(REFUSED_ALL, "Tous"), (REFUSED_YES, "Oui"), (REFUSED_NO, "Non")]

    qui = forms.ChoiceField(label="Notification", choices=WHO_CHOICES, widget=forms.RadioSelect, initial=WHO_NEW)
    refus = forms.ChoiceField(
        label="A refusé l'accès", choices=REFUSED_CHOICES, widget=forms.RadioSelect, initial=REFUSED_ALL
    )


class ConfirmForm(forms.Form):
    """The "Notifier" button of a mass screen: the confirmation asked when no service is open."""

    sans_service = forms.BooleanField(
        label="Je confirme l'envoi bien qu'aucun téléservice ne soit ouvert", required=False
    )
    # One token per displayed form: posting the same form twice sends once (services._Once).
    jeton = forms.UUIDField(widget=forms.HiddenInput, required=False)

    @classmethod
    def fresh(cls) -> ConfirmForm:
        return cls(initial={"jeton": uuid.uuid4()})


class PairNotifyForm(forms.Form):
    """C5 "Notifier code": by e-mail or by letter."""

    MODE_CHOICES = [(MODE_EMAIL, "Par courriel"), (MODE_LETTER, "Par courrier")]

    mode = forms.ChoiceField(
        label="Mode de transmission",
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le courriel ou le courrier.",
            "invalid_choice": "Choisissez le courriel ou le courrier.",
        },
    )
