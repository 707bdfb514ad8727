"""Forms of "Gérer son compte" (F6) and "Contacter l'établissement" (F5)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from .auth import password_matches
from .forms import NewPasswordForm
from .models import Account
from .selectors import AttachedChild

SUBJECT_MAX = 150
MESSAGE_MAX = 5000
# Control characters (CR, LF, TAB, NUL…) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def _current_password_field() -> forms.CharField:
    return forms.CharField(
        label="Mot de passe actuel",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(NewPasswordForm):
    """F6: the current password, then the new one twice (the portal's rules)."""

    current = _current_password_field()
    field_order = ["current", "password1", "password2"]

    def clean_current(self) -> str:
        raw = self.cleaned_data["current"]
        if not password_matches(self.account, raw):
            raise ValidationError("Le mot de passe actuel n'est pas le bon.")
        return raw

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") == cleaned.get("current"):
            self.add_error("password1", "Choisissez un mot de passe différent de l'actuel.")
        return cleaned


class EmailChangeForm(forms.Form):
    """F6: the new address (a link is sent there) and the current password."""

    email = forms.EmailField(
        label="Nouvelle adresse électronique",
        max_length=254,
        help_text="Un lien de confirmation y sera envoyé : l'adresse change quand vous l'ouvrez.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    current = _current_password_field()

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email.lower() == (self.account.email or "").lower():
            raise ValidationError("C'est déjà l'adresse de votre compte.")
        return email

    def clean_current(self) -> str:
        raw = self.cleaned_data["current"]
        if not password_matches(self.account, raw):
            raise ValidationError("Le mot de passe actuel n'est pas le bon.")
        return raw


def one_line(text: str) -> str:
    """A subject on one line: control characters and line breaks become spaces, spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", text).split())


class ContactForm(forms.Form):
    """F5: which child (in this school), a subject on one line, a message."""

    child = forms.TypedChoiceField(label="Au sujet de", coerce=int)
    subject = forms.CharField(
        label="Objet",
        max_length=SUBJECT_MAX,
        help_text=f"{SUBJECT_MAX} caractères au plus.",
        widget=forms.TextInput(attrs={"maxlength": SUBJECT_MAX}),
    )
    message = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX,
        help_text=f"{MESSAGE_MAX} caractères au plus. L'établissement vous répondra à l'adresse de votre compte.",
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MESSAGE_MAX}),
    )

    def __init__(self, *args, children: list[AttachedChild], **kwargs):
        super().__init__(*args, **kwargs)
        self.children = {c.code_id: c for c in children}
        self.fields["child"].choices = [(c.code_id, c.student_name) for c in children]
        if len(children) == 1:
            self.fields["child"].initial = children[0].code_id

    def clean_subject(self) -> str:
        subject = one_line(self.cleaned_data["subject"])
        if not subject:
            raise ValidationError("Indiquez l'objet de votre message.")
        return subject

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        if not message.strip():
            raise ValidationError("Écrivez votre message.")
        return message

    def chosen_child(self) -> AttachedChild:
        return self.children[self.cleaned_data["child"]]
