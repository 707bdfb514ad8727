"""Forms of the families' portal: they validate and convert, in plain French."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from .auth import PASSWORD_MIN_LENGTH, password_validate
from .digests import code_normalize
from .models import Account

_LOGIN = re.compile(r"^[A-Za-z0-9._@-]{4,60}$")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d%m%Y", "%Y-%m-%d")


def parse_birth_date(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    return None


class SignInForm(forms.Form):
    login = forms.CharField(
        label="Identifiant",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """F1 step 1 and F2: an activation code and the child's birth date."""

    code = forms.CharField(
        label="Code d'activation",
        max_length=40,
        help_text="13 caractères, tels qu'imprimés sur le courrier ; majuscules, espaces et tirets sont sans importance.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "ts-portal-code",
            }
        ),
    )
    birth_date = forms.CharField(
        label="Date de naissance de l'enfant",
        max_length=20,
        help_text="Sous la forme JJ/MM/AAAA, par exemple 05/09/2012. Pour un compte élève : votre propre date de naissance.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "JJ/MM/AAAA"}),
    )

    def clean_code(self) -> str:
        code = code_normalize(self.cleaned_data["code"])
        if not code:
            raise ValidationError("Saisissez le code d'activation.")
        return code

    def clean_birth_date(self) -> dt.date:
        value = parse_birth_date(self.cleaned_data["birth_date"])
        if value is None:
            raise ValidationError("Saisissez la date sous la forme JJ/MM/AAAA, par exemple 05/09/2012.")
        return value


class PasswordPairMixin:
    """Two password fields that must match and pass the portal's rules."""

    def _check_passwords(self, *, login: str, email: str) -> None:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if not first or not second:
            return
        if first != second:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
            return
        try:
            password_validate(first, login=login, email=email)
        except ValidationError as error:
            self.add_error("password1", error)


def _password_fields():
    return (
        forms.CharField(
            label="Mot de passe",
            strip=False,
            max_length=200,
            help_text=f"Au moins {PASSWORD_MIN_LENGTH} caractères ; évitez un mot de passe courant ou proche de votre identifiant.",
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
        forms.CharField(
            label="Confirmation du mot de passe",
            strip=False,
            max_length=200,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class AccountCreateForm(PasswordPairMixin, forms.Form):
    """F1 step 2: login, password, e-mail (the code already checked, carried by a signed token)."""

    login = forms.CharField(
        label="Identifiant",
        max_length=60,
        help_text="De 4 à 60 caractères : lettres sans accent, chiffres, point, tiret, @. Vous le taperez pour vous connecter.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password1, password2 = _password_fields()
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Un lien de validation y sera envoyé ; elle sert aussi si vous oubliez votre mot de passe.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, for_student: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_student:
            # A student's account is validated at once: no link is sent (F1).
            self.fields["email"].help_text = "Elle sert si vous oubliez votre mot de passe."

    def clean_login(self) -> str:
        login = self.cleaned_data["login"].strip()
        if not _LOGIN.match(login):
            raise ValidationError(
                "L'identifiant doit faire de 4 à 60 caractères : lettres sans accent, chiffres, point, tiret ou @."
            )
        if Account.objects.filter(login__iexact=login).exists():
            raise ValidationError("Cet identifiant est déjà pris : choisissez-en un autre.")
        return login

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(login=cleaned.get("login", ""), email=cleaned.get("email", ""))
        return cleaned


class NewPasswordForm(PasswordPairMixin, forms.Form):
    """A new password (forgotten password link, forced change of a temporary password)."""

    password1, password2 = _password_fields()

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(login=self.account.login, email=self.account.email)
        return cleaned


class ForgottenPasswordForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique de votre compte",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
