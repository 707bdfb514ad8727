from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

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
    }

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
