"""What the CAR and CAE screens share: the search list, the return link, the action buttons.

Views stay thin: they name their selector and their services; the shapes common to both
kinds of code (a search form over a paginated list, a detail page whose actions come back
to it with a message) are written once here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from .forms import SearchForm
from .selectors import Selection
from .services import CodeError, Regenerated

PAGE_SIZE = 50


def first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "La demande n'est pas valide."


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def search_page(request: HttpRequest, *, rows: Callable[[Selection], QuerySet]) -> tuple[SearchForm, Page | None]:
    """The search form (C5, C8, D3) and the page of rows it selects.

    Criteria that do not validate (a MEF or division of another school) list nothing: the
    form shows its error rather than the whole school.
    """
    form = SearchForm(request.GET or None, school=request.school)
    if not (form.is_bound and form.is_valid()):
        return form, None
    return form, Paginator(rows(form.selection()), PAGE_SIZE).get_page(request.GET.get("page"))


def with_return(url: str, back: str) -> str:
    """A detail page's URL that remembers the list to go back to."""
    query = QueryDict(mutable=True)
    query["retour"] = back
    return f"{url}?{query.urlencode()}"


def regenerated_message(result: Regenerated) -> str:
    """What "Nouveau code" says: the old code is mentioned only when there was one."""
    if result.replaced:
        return "Un nouveau code valide a été créé ; l'ancien code est invalidé."
    return "Un nouveau code valide a été créé."


Message = str | Callable[[Any], str]


def action_run(request: HttpRequest, *, service: Callable, message: Message, then: str, **target) -> HttpResponse:
    """Call one service on a pair or a student, say what happened (or why not), go to `then`."""
    try:
        result = service(by=request.user, **target)
    except CodeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message(result) if callable(message) else message)
    return redirect(then)


def account_reset_page(
    request: HttpRequest, *, codes: list, holder: str, action_url: str, back: str, list_back: str
) -> HttpResponse:
    """ "Réinitialiser le mot de passe" of an account block (C6, D3): confirm (GET), then reset (POST).

    A guardian's reset ends on the holder's page with what was sent; a student's shows the
    temporary password in this response only (the page is never cached: school_required).
    """
    from django.shortcuts import render

    from .accounts import TELESERVICES_DOWN, holder_account_block, holder_password_reset

    account = holder_account_block(codes=codes)
    if account.unavailable:
        messages.error(request, TELESERVICES_DOWN)
        return redirect(back)
    if not account.has_account:
        messages.error(request, "Aucun compte n'a été créé avec les codes de cette fiche.")
        return redirect(back)
    if account.is_provisional:
        messages.error(request, "Ce compte est encore provisoire : son mot de passe ne peut pas être réinitialisé.")
        return redirect(back)
    reset = None
    if request.method == "POST":
        try:
            reset = holder_password_reset(school=request.school, codes=codes, by=request.user)
        except CodeError as error:
            messages.error(request, str(error))
            return redirect(back)
        if not reset.temporary_password:
            messages.success(
                request,
                f"Un lien de réinitialisation du mot de passe a été envoyé à {reset.email} ; "
                "le responsable choisira lui-même son nouveau mot de passe.",
            )
            return redirect(back)
    context = {
        "holder": holder,
        "account": account,
        "action_url": action_url,
        "back": back,
        "list_back": list_back,
        "reset": reset,
    }
    return render(request, "codes/account_reset.html", context)
