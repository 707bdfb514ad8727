"""Two people finishing an account with the same code at the same moment: one account, one use."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from portal.models import Account, Attachment, Outbox
from portal.services import CodeRefused, account_create

from .factories import guardian_code

PASSWORD = "Une-phrase-de-passe-solide-9"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_one_code_makes_one_account_even_at_the_same_moment():
    code, _ = guardian_code()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def create(n: int) -> None:
        barrier.wait()
        try:
            account_create(code_id=code.id, login=f"parent{n}", raw_password=PASSWORD, email=f"p{n}@familles.example")
            outcomes.append("created")
        except CodeRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert Account.objects.count() == 1
    assert Attachment.objects.filter(code_id=code.id).count() == 1
    assert Outbox.objects.filter(kind=Outbox.Kind.USAGE, code_id=code.id).count() == 1


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_one_login_whatever_its_case_even_at_the_same_moment(monkeypatch):
    from portal import services
    from portal.services import LoginTaken

    codes = [guardian_code()[0] for _ in range(3)]
    # Widen the race: the first creation waits (inside its transaction) until a second one has
    # created its account too, or one second. With the login lock no second one ever gets there.
    second_arrived = threading.Event()
    arrivals = []
    real_attach = services._attach

    def slow_attach(**kwargs):
        arrivals.append(1)
        if len(arrivals) == 1:
            second_arrived.wait(timeout=1.0)
        else:
            second_arrived.set()
        return real_attach(**kwargs)

    monkeypatch.setattr(services, "_attach", slow_attach)
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def create(n: int, login: str) -> None:
        barrier.wait()
        try:
            account_create(code_id=codes[n].id, login=login, raw_password=PASSWORD, email=f"p{n}@familles.example")
            outcomes.append("created")
        except LoginTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n, login)) for n, login in enumerate(["Anne", "anne", "ANNE"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created", "taken", "taken"]
    assert Account.objects.filter(login__iexact="anne").count() == 1
    assert Attachment.objects.count() == 1 and Outbox.objects.count() == 1
