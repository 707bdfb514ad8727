"""The up path: the téléservices outbox, checked against the SIECLE base, recorded, drained."""

import datetime

import pytest
from django.utils import timezone

from codes.models import ActivationCode, CodeEvent, CodeKind, EventKind
from codes.tests.factories import make_car, make_pair
from portal.models import Outbox
from replication import up

USED = datetime.datetime(2026, 10, 2, 8, tzinfo=datetime.UTC)


def usage(code, *, account_id=41, at=USED, **payload):
    payload = {"school_id": code.school_id, "kind": code.kind, **payload}
    return Outbox.objects.create(kind="usage", code_id=code.pk, account_id=account_id, at=at, payload=payload)


def lock(code, *, at=USED):
    return Outbox.objects.create(
        kind="lock", code_id=code.pk, at=at, payload={"school_id": code.school_id, "kind": code.kind}
    )


def events(code, kind):
    return CodeEvent.objects.filter(code=code, event=kind).count()


@pytest.mark.django_db(databases=["default", "teleservices"])
class TestApply:
    def test_it_records_usage_and_locks_and_empties_the_outbox(self, school):
        used, locked = make_car(make_pair(school)), make_car(make_pair(school, last_name="MARTIN"))
        usage(used)
        lock(locked)
        messages = []
        assert up.outbox_apply(log=messages.append) == {"usage": 1, "lock": 1, "already": 0, "refused": 0}
        used.refresh_from_db()
        assert used.used_at == USED and used.account_id == 41
        assert events(used, EventKind.USE) == 1 and events(locked, EventKind.LOCK) == 1
        assert not Outbox.objects.exists() and messages == []

    def test_a_row_claiming_another_school_or_kind_or_an_invalid_code_is_refused_and_logged(self, school, other_school):
        foreign = make_car(make_pair(other_school))
        mine = make_car(make_pair(school))
        invalid = make_car(make_pair(school, last_name="PETIT"), valid=False)
        cae = ActivationCode.objects.get(kind=CodeKind.CAE, student=mine.student)
        usage(foreign, school_id=school.pk)
        usage(cae, kind="R")
        usage(invalid)
        messages = []
        report = up.outbox_apply(log=messages.append)
        assert report == {"usage": 0, "lock": 0, "already": 0, "refused": 3}
        assert [m.split(" refusé : ")[1] for m in messages] == [
            "code d'un autre établissement",
            "code d'un autre type",
            "code invalide",
        ]
        assert all(f"code {c.pk}" in m for c, m in zip((foreign, cae, invalid), messages, strict=True))
        for code in (foreign, cae, invalid):
            code.refresh_from_db()
            assert code.used_at is None and code.account_id is None
        assert not Outbox.objects.exists()

    @pytest.mark.parametrize(
        "kind, payload, account_id, reason",
        [
            ("usage", {"kind": "R"}, 41, "établissement absent ou invalide"),
            ("usage", {"school_id": "1", "kind": "R"}, 41, "établissement absent ou invalide"),
            ("usage", {"school_id": True, "kind": "R"}, 41, "établissement absent ou invalide"),
            ("usage", {"school_id": 10**40, "kind": "R"}, 41, "établissement absent ou invalide"),
            ("usage", {"school_id": 1.5, "kind": "R"}, 41, "établissement absent ou invalide"),
            ("usage", {"school_id": "SELF"}, 41, "type de code absent ou invalide"),
            ("usage", {"school_id": "SELF", "kind": ["R"]}, 41, "type de code absent ou invalide"),
            ("usage", {"school_id": "SELF", "kind": "X" * 10_000}, 41, "type de code absent ou invalide"),
            ("usage", {"school_id": "SELF", "kind": "R"}, None, "compte absent ou invalide"),
            ("usage", {"school_id": "SELF", "kind": "R"}, -3, "compte absent ou invalide"),
            ("usage", ["not", "an", "object"], 41, "contenu illisible (objet attendu)"),
            ("usage", "texte", 41, "contenu illisible (objet attendu)"),
            ("delete", {"school_id": "SELF", "kind": "R"}, 41, "type de message inconnu"),
        ],
    )
    def test_a_malformed_row_is_refused_never_a_crash(self, school, kind, payload, account_id, reason):
        code = make_car(make_pair(school))
        if isinstance(payload, dict) and payload.get("school_id") == "SELF":
            payload["school_id"] = school.pk
        Outbox.objects.create(kind=kind, code_id=code.pk, account_id=account_id, at=USED, payload=payload)
        good = make_car(make_pair(school, last_name="BON"))
        usage(good)
        messages = []
        report = up.outbox_apply(log=messages.append)
        assert report["refused"] == 1 and report["usage"] == 1
        assert messages and messages[0].endswith(reason)
        code.refresh_from_db()
        assert code.used_at is None and not Outbox.objects.exists()

    def test_a_row_dated_in_the_future_or_with_a_bad_code_id_is_refused(self, school):
        code = make_car(make_pair(school))
        usage(code, at=timezone.now() + datetime.timedelta(days=30))
        Outbox.objects.create(kind="usage", code_id=-5, account_id=1, at=USED, payload={"school_id": 1, "kind": "R"})
        Outbox.objects.create(kind="lock", code_id=2**62, at=USED, payload={"school_id": school.pk, "kind": "R"})
        messages = []
        assert up.outbox_apply(log=messages.append)["refused"] == 3
        assert [m.split(" : ")[-1] for m in messages] == [
            "date absente ou dans le futur",
            "identifiant de code absent ou invalide",
            "code inconnu",
        ]
        code.refresh_from_db()
        assert code.used_at is None

    def test_it_drains_the_outbox_in_batches_and_a_rerun_finds_nothing(self, school):
        codes = [make_car(make_pair(school, last_name=f"NOM{n}")) for n in range(7)]
        for n, code in enumerate(codes):
            usage(code, account_id=100 + n)
        assert up.outbox_apply(batch_size=3)["usage"] == 7
        assert sorted(ActivationCode.objects.filter(used_at__isnull=False).values_list("account_id", flat=True)) == [
            100 + n for n in range(7)
        ]
        assert up.outbox_apply() == {"usage": 0, "lock": 0, "already": 0, "refused": 0}

    def test_a_run_by_school_leaves_the_other_schools_rows(self, school, other_school):
        mine, theirs = make_car(make_pair(school)), make_car(make_pair(other_school))
        usage(mine)
        usage(theirs)
        assert up.outbox_apply(school_ids=[school.pk])["usage"] == 1
        assert list(Outbox.objects.values_list("code_id", flat=True)) == [theirs.pk]

    def test_without_a_log_callable_refusals_go_to_the_logging_module(self, school, other_school, caplog):
        usage(make_car(make_pair(other_school)), school_id=school.pk)
        assert up.outbox_apply()["refused"] == 1
        assert "code d'un autre établissement" in caplog.text


@pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])
def test_killed_between_the_two_commits_the_next_run_changes_nothing_twice(school, monkeypatch):
    """The SIECLE side commits, the process dies before the outbox rows are deleted."""
    code = make_car(make_pair(school))
    locked = make_car(make_pair(school, last_name="MARTIN"))
    usage(code)
    lock(locked)

    class Killed(BaseException):
        pass

    def die(ids):
        raise Killed

    monkeypatch.setattr(up, "_outbox_delete", die)
    with pytest.raises(Killed):
        up.outbox_apply()
    code.refresh_from_db()
    assert code.used_at == USED and Outbox.objects.count() == 2  # recorded, still in the outbox
    monkeypatch.undo()
    assert up.outbox_apply() == {"usage": 0, "lock": 0, "already": 2, "refused": 0}
    assert events(code, EventKind.USE) == 1 and events(locked, EventKind.LOCK) == 1
    assert not Outbox.objects.exists()


@pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])
def test_two_runs_at_once_never_take_the_same_rows(school):
    """Rows another run holds (FOR UPDATE) are skipped, not waited for, and not applied twice."""
    import threading

    from django.db import connections, transaction

    codes = [make_car(make_pair(school, last_name=f"NOM{n}")) for n in range(4)]
    rows = [usage(code, account_id=200 + n) for n, code in enumerate(codes)]
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic(using="teleservices"):
                list(Outbox.objects.select_for_update().filter(pk__in=[rows[0].pk, rows[1].pk]))
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_run)
    thread.start()
    assert held.wait(timeout=30)
    try:
        assert up.outbox_apply()["usage"] == 2  # the two free rows, at once
        assert sorted(Outbox.objects.values_list("pk", flat=True)) == [rows[0].pk, rows[1].pk]
    finally:
        release.set()
        thread.join(timeout=30)
    assert up.outbox_apply()["usage"] == 2
    assert CodeEvent.objects.filter(event=EventKind.USE).count() == 4 and not Outbox.objects.exists()


@pytest.mark.django_db(databases=["default", "teleservices"])
def test_the_head_sees_the_lock_in_the_pairs_history(school, head_client):
    import html

    from django.urls import reverse

    link = make_pair(school)
    lock(make_car(link))
    up.outbox_apply()
    page = html.unescape(head_client.get(reverse("car:pair", args=[link.pk])).content.decode())
    assert "Code bloqué (dates de naissance erronées)" in page
