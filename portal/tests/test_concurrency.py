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
