from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .access import current_school, school_required, set_current_school
from .forms import ChooseSchoolForm, LoginForm
from .portal import applications_for
from .selectors import schools_for_user


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429  # Too Many Requests: the wait is in the page
        return response


@login_required
@require_http_methods(["GET", "POST"])
def choose_school(request: HttpRequest) -> HttpResponse:
    schools = schools_for_user(user=request.user).select_related("academy").order_by("uaj")
    form = ChooseSchoolForm(request.POST or None, schools=schools, initial={"school": current_school(request)})
    if request.method == "POST" and form.is_valid():
        set_current_school(request, form.cleaned_data["school"])
        messages.success(request, f"Vous travaillez maintenant sur {form.cleaned_data['school']}.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "staff/choose_school.html", {"form": form, "has_schools": schools.exists()})


@school_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/help.html")


@school_required
def edition(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/edition.html")


def coming_soon(title: str, summary: str):
    """A menu page whose feature has not landed yet: it says what will come."""

    @school_required
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, "staff/coming_soon.html", {"title": title, "summary": summary})

    return view


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The applications the user's rights open (§3.2); with only one, the user goes straight to it."""
    apps = applications_for(user=request.user, school=current_school(request))
    if len(apps) == 1 and "tout" not in request.GET:
        return redirect(apps[0].url)
    return render(request, "staff/portal.html", {"applications": apps})
