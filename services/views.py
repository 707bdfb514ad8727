"""Screens of "Gestion des téléservices": opening and every setting (SPEC B1–B8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from staff.access import school_required
from staff.roles import Permission

from . import selectors, services
from .catalogue import BY_CODE, ServiceCode
from .forms import (
    ContactForm,
    LetterForm,
    LpcDelayForm,
    NotesDatesForm,
    NotesModeForm,
    OpeningForm,
    SignatoryForm,
    WelcomeMessageForm,
)
from .models import WELCOME_MESSAGE_MAX, NotesMode, Setting
from .services import TeleserviceError

SERVICE_SETTINGS = [Setting.ACTIVATION, *(f"service:{code}" for code in BY_CODE)]


@school_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff's home page (B1): the first-visit activation, then the state of every service."""
    school = request.school
    return render(
        request,
        "services/home.html",
        {
            "activated": selectors.teleservices_activated(school=school),
            "statuses": selectors.service_statuses(school=school),
        },
    )


def _error_text(error: TeleserviceError) -> str:
    return " ".join(error.messages)


@school_required(post=Permission.SERVICES_OPEN)
@require_http_methods(["GET", "POST"])
def opening(request: HttpRequest) -> HttpResponse:
    """B1/B2: activate téléservices, then open or close each national service."""
    school = request.school
    activated = selectors.teleservices_activated(school=school)
    statuses = selectors.service_statuses(school=school)
    form = OpeningForm(request.POST if request.method == "POST" and activated else None, statuses=statuses)
    if request.method == "POST":
        if not activated:
            messages.error(request, "Activez d'abord les téléservices.")
            return redirect("services:opening")
        if form.is_valid():
            try:
                changed = services.services_set_states(school=school, states=form.states(), by=request.user)
            except TeleserviceError as error:
                messages.error(request, _error_text(error))
                return redirect("services:opening")
            if changed:
                messages.success(request, "L'état des téléservices est enregistré.")
            else:
                messages.info(request, "Aucun changement : l'état des téléservices est inchangé.")
            return redirect("services:opening")
    history = selectors.recent_changes(school=school, settings=SERVICE_SETTINGS)
    return render(
        request,
        "services/opening.html",
        {"activated": activated, "form": form, "statuses": statuses, "history": history},
    )


@school_required(permission=Permission.SERVICES_OPEN, post=Permission.SERVICES_OPEN)
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """B1: the activation button posts here; a GET explains what activation does."""
    school = request.school
    if request.method == "POST":
        services.teleservices_activate(school=school, by=request.user)
        messages.success(
            request, "Les téléservices sont activés. Ouvrez maintenant les services à proposer aux familles."
        )
        return redirect("services:opening")
    return render(request, "services/activate.html", {"activated": selectors.teleservices_activated(school=school)})


@school_required(post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def welcome_message(request: HttpRequest) -> HttpResponse:
    """B3: the message shown on the families' home pages, with its counter and preview."""
    school = request.school
    initial = {"message": selectors.welcome_message_source(school=school)}
    form = WelcomeMessageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.welcome_message_update(school=school, source=form.cleaned_data["message"], by=request.user)
        except TeleserviceError as error:
            form.add_error("message", error)
        else:
            messages.success(request, "Le message d'accueil est enregistré.")
            return redirect("services:welcome_message")
    return render(
        request,
        "services/welcome_message.html",
        {
            "form": form,
            "max_length": WELCOME_MESSAGE_MAX,
            "current_html": selectors.welcome_message_html(school=school),
            "link_domains": selectors.welcome_link_domains(school=school),
            "history": selectors.recent_changes(school=school, settings=[Setting.WELCOME_MESSAGE], limit=5),
        },
    )


@school_required(post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest) -> HttpResponse:
    """B4: the notification letter type and the ENT it presents; in its own form, the signatory."""
    school = request.school
    current = selectors.school_settings(school=school)
    posted = request.POST or None
    is_signatory = posted is not None and "signatory" in posted
    form = LetterForm(
        None if is_signatory else posted,
        school=school,
        initial={"letter_type": current.letter_type, "ent": current.letter_ent_id},
    )
    signatory_form = SignatoryForm(posted if is_signatory else None, initial={"signatory": current.letter_signatory})
    if is_signatory and signatory_form.is_valid():
        try:
            services.letter_signatory_update(
                school=school, name=signatory_form.cleaned_data["signatory"], by=request.user
            )
        except TeleserviceError as error:
            signatory_form.add_error("signatory", error)
        else:
            messages.success(request, "Le signataire des courriers est enregistré.")
            return redirect("services:letter")
    elif not is_signatory and form.is_valid():
        try:
            services.letter_settings_update(
                school=school,
                letter_type=form.cleaned_data["letter_type"],
                ent=form.cleaned_data["ent"],
                by=request.user,
            )
        except TeleserviceError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le type de courrier de notification est enregistré.")
            return redirect("services:letter")
    return render(
        request,
        "services/letter.html",
        {
            "form": form,
            "signatory_form": signatory_form,
            "has_ents": form.fields["ent"].queryset.exists(),
            "history": selectors.recent_changes(school=school, settings=[Setting.LETTER, Setting.LETTER_SIGNATORY]),
        },
    )


def _notes_context(request: HttpRequest, *, mode_form=None, dates_form=None) -> dict:
    school = request.school
    current = selectors.notes_publication(school=school)
    couples = selectors.notes_couples(school=school)
    dates_in_use = selectors.notes_dates_in_use(school=school)
    year_start, year_end = school.school_year()
    return {
        "year_start": year_start,
        "year_end": year_end,
        "is_open": selectors.service_is_open(school=school, service=ServiceCode.NOTES),
        "mode": current.mode,
        "is_deadline": current.mode == NotesMode.DEADLINE,
        "mode_form": mode_form or NotesModeForm(initial={"mode": current.mode}),
        "dates_form": dates_form or NotesDatesForm(couple_keys=[c.key for c in couples], dates_in_use=dates_in_use),
        "couples": couples,
        "history": selectors.recent_changes(school=school, settings=[Setting.NOTES_MODE, Setting.NOTES_DATES]),
    }


@school_required(post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest) -> HttpResponse:
    """B5: the notes publication type; in "à échéance", the dates per (MEF, division) couple."""
    school = request.school
    if request.method == "GET":
        return render(request, "services/notes.html", _notes_context(request))
    if "action" in request.POST:
        return _notes_dates(request)
    form = NotesModeForm(request.POST)
    if form.is_valid():
        mode = form.cleaned_data["mode"]
        current = selectors.notes_publication(school=school)
        if mode == NotesMode.CONTINUOUS and current.mode == NotesMode.DEADLINE and current.dates:
            return redirect("services:notes_confirm")  # dates would be lost: ask first
        try:
            services.notes_mode_set(school=school, mode=mode, by=request.user)
        except TeleserviceError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Type de publication des notes : {NotesMode(mode).label.lower()}.")
        return redirect("services:notes")
    return render(request, "services/notes.html", _notes_context(request, mode_form=form))


def _notes_dates(request: HttpRequest) -> HttpResponse:
    school = request.school
    couple_keys = selectors.notes_couple_keys(school=school)
    keys = [f"{m}-{d}" for m, d in sorted(couple_keys)]
    unknown = [k for k in request.POST.getlist("couples") if k not in keys]
    if unknown and selectors.couple_keys_of_another_school(school=school, keys=unknown):
        # Another school's MEF or division is not found, like any other school's object; a couple
        # of this school that no longer exists (or a made-up value) gets the form's French message.
        raise Http404("Couple MEF / division introuvable dans cet établissement.")
    form = NotesDatesForm(request.POST, couple_keys=keys, dates_in_use=selectors.notes_dates_in_use(school=school))
    if not form.is_valid():
        return _notes_dates_refused(request, form)
    action = form.cleaned_data["action"]
    try:
        if action == NotesDatesForm.REMOVE_SELECTED:
            date = form.cleaned_data["remove_date"]
            count = services.notes_dates_remove(
                school=school, date=date, couples=form.chosen_couples(), by=request.user
            )
            text = f"Date du {date:%d/%m/%Y} supprimée pour {count} couple(s) MEF / division."
        else:
            date = form.cleaned_data["add_date"]
            count = services.notes_dates_add(school=school, date=date, couples=form.chosen_couples(), by=request.user)
            text = f"Date du {date:%d/%m/%Y} ajoutée à {count} couple(s) MEF / division."
    except TeleserviceError as error:
        return _notes_dates_refused(request, form, reason=_error_text(error))
    if count:
        messages.success(request, text)
    else:
        messages.info(request, "Aucun couple n'a été modifié : la date y était déjà, ou n'y était pas.")
    return redirect("services:notes")


def _notes_dates_refused(request: HttpRequest, form: NotesDatesForm, reason: str = "") -> HttpResponse:
    """The notes page again, with the typed date, the checked couples and the French reason."""
    messages.error(request, f"Les dates n'ont pas été modifiées. {reason or 'Corrigez les erreurs signalées.'}")
    return render(request, "services/notes.html", _notes_context(request, dates_form=form))


@school_required(permission=Permission.SERVICES_SETTINGS, post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def notes_confirm(request: HttpRequest) -> HttpResponse:
    """B5: going back to "au fil de l'eau" deletes every date, so it is confirmed here first."""
    school = request.school
    current = selectors.notes_publication(school=school)
    count = sum(len(d) for d in current.dates.values())
    if request.method == "POST":
        try:
            deleted = services.notes_mode_set(school=school, mode=NotesMode.CONTINUOUS, by=request.user)
        except TeleserviceError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, f"Les notes sont publiées au fil de l'eau ; {deleted} date(s) de publication supprimée(s)."
            )
        return redirect("services:notes")
    return render(
        request,
        "services/notes_confirm.html",
        {
            "is_deadline": current.mode == NotesMode.DEADLINE,
            "is_open": selectors.service_is_open(school=school, service=ServiceCode.NOTES),
            "count": count,
        },
    )


@school_required
def absences(request: HttpRequest) -> HttpResponse:
    """B6: nothing to set; the page says what families see."""
    is_open = selectors.service_is_open(school=request.school, service=ServiceCode.ABSENCES)
    return render(request, "services/absences.html", {"is_open": is_open})


@school_required(post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def lpc(request: HttpRequest) -> HttpResponse:
    """B7: the LPC publication delay, in days."""
    school = request.school
    is_open = selectors.service_is_open(school=school, service=ServiceCode.LPC)
    form = LpcDelayForm(request.POST or None, initial={"days": selectors.lpc_delay_days(school=school)})
    if request.method == "POST" and form.is_valid():
        try:
            services.lpc_delay_set(school=school, days=form.cleaned_data["days"], by=request.user)
        except TeleserviceError as error:
            form.add_error("days", error)
        else:
            messages.success(request, f"Le délai de publication du LPC est de {form.cleaned_data['days']} jours.")
            return redirect("services:lpc")
    return render(
        request,
        "services/lpc.html",
        {
            "form": form,
            "is_open": is_open,
            "history": selectors.recent_changes(school=school, settings=[Setting.LPC_DELAY]),
        },
    )


@school_required(post=Permission.SERVICES_SETTINGS)
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """B8: the "contact the school" link and the address receiving the messages."""
    school = request.school
    current = selectors.contact_link(school=school)
    row = selectors.school_settings(school=school)
    form = ContactForm(
        request.POST or None,
        school=school,
        initial={"active": "1" if current.active else "0", "email": current.email or row.contact_email},
    )
    if request.method == "POST":
        if not school.emails:
            messages.error(request, "L'établissement n'a aucune adresse électronique : rien n'a été modifié.")
            return redirect("services:contact")
        if form.is_valid():
            try:
                services.contact_link_update(
                    school=school,
                    active=form.cleaned_data["active"],
                    email=form.cleaned_data["email"],
                    by=request.user,
                )
            except TeleserviceError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Le lien de contact établissement est enregistré.")
                return redirect("services:contact")
    return render(
        request,
        "services/contact.html",
        {
            "form": form,
            "has_emails": bool(school.emails),
            "history": selectors.recent_changes(school=school, settings=[Setting.CONTACT]),
        },
    )
