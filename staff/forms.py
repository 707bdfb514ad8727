from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from .security.throttle import request_throttle_check


class ThrottledSignInMixin:
    """Refuses an attempt while its username or address must wait, before any password is checked."""

    throttled = None

    def clean(self):
        username = self.cleaned_data.get("username")
        self.throttled = request_throttle_check(request=self.request, username=username)
        if self.throttled is not None:
            raise forms.ValidationError(self.throttled.message, code="throttled")
        return super().clean()


class LoginForm(ThrottledSignInMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "directory_down": (
            "L'annuaire académique ne répond pas : la connexion avec votre compte académique est impossible "
            "pour le moment. Réessayez dans quelques minutes ou contactez l'assistance informatique."
        ),
        "no_rights": (
            "Votre fonction dans l'annuaire académique ne donne pas accès à TS Admin. "
            "Si vous devez gérer les téléservices, demandez à l'assistance informatique de vous y rattacher."
        ),
    }

    def get_invalid_login_error(self):
        refusal = getattr(self.request, "_directory_refusal", None)
        if refusal == "down":
            return forms.ValidationError(self.error_messages["directory_down"], code="directory_down")
        if refusal == "no_rights":
            return forms.ValidationError(self.error_messages["no_rights"], code="no_rights")
        return super().get_invalid_login_error()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["password"].label = "Mot de passe"


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """The Django admin's sign-in, under the same throttle and log as the site's."""


class ChooseSchoolForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label="Établissement", empty_label=None)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class StaffPasswordChangeForm(PasswordChangeForm):
    """The current password, then the new one twice; every validator applies."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Nouveau mot de passe (confirmation)"
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Le mot de passe actuel est incorrect.",
            "password_mismatch": "Les deux nouveaux mots de passe ne sont pas identiques.",
        }

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise forms.ValidationError("Le nouveau mot de passe doit être différent de l'actuel.")
        return new

    def save(self, commit=True):
        """Never Django's plain save: the change goes through `staff.services.staff_password_change`
        (it also clears the forced change and ends the user's other sessions), called by the view."""
        raise TypeError("StaffPasswordChangeForm: call staff.services.staff_password_change instead.")
