"""Activation codes at rest: sealed in the SIECLE base, found by their lookup hash, shown only
where a person must read them (docs/codes-at-rest.md)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from car import services as car_services
from codes import sealing
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from services.services import service_open, teleservices_activate

pytestmark = pytest.mark.django_db


def raw_rows() -> list[tuple]:
    """Every stored cell of the codes table, as a database or a backup leak would give it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM car_activationcode ORDER BY id")
        return cursor.fetchall()


def test_the_stored_rows_hold_no_code_in_clear(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    links = [make_pair(school, rank=rank) for rank in (1, 2)]
    car_services.car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head)
    codes = list(ActivationCode.objects.order_by("pk"))
    assert len([c for c in codes if c.kind == CodeKind.CAR]) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM car_activationcode WHERE 1 = 0")
        columns = [c[0] for c in cursor.description]
    assert "value" not in columns
    dump = repr(raw_rows())
    for code in codes:
        clear = code.value
        assert len(clear) == 13 and clear.isalnum()
        assert clear not in dump and code.display not in dump
        assert code.value_sealed.startswith(sealing.keyring().current_id + ":")
        assert ActivationCode.objects.get(value_lookup=sealing.lookup(code.display)).pk == code.pk


def test_two_codes_of_the_same_value_are_sealed_differently_but_share_one_lookup():
    ring = sealing.keyring()
    first, second = sealing.seal("1W2JFML8EABKK", ring=ring), sealing.seal("1w2j - fml - 8ea - bkk", ring=ring)
    assert first != second  # a fresh nonce each time: equal codes are not visible as equal tokens
    assert sealing.unseal(first) == sealing.unseal(second) == "1W2JFML8EABKK"
    assert sealing.lookup("1w2j-fml-8ea-bkk") == sealing.lookup("1W2JFML8EABKK")


def test_a_typed_code_is_found_by_its_lookup_hash(school):
    code = make_car(make_pair(school), value="1W2JFML8EABKK")
    found = ActivationCode.objects.get(value_lookup=sealing.lookup(" 1w2j - fml - 8ea - bkk "))
    assert found.pk == code.pk and found.value == "1W2JFML8EABKK"


def test_the_database_refuses_a_code_value_twice_through_the_lookup(school):
    make_car(make_pair(school), value="2ABCDEFGHJKLM")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_car(make_pair(school, last_name="MARTIN"), value="2abc-def-ghj-klm")


def test_an_altered_or_unknown_sealed_value_is_refused(settings):
    token = sealing.seal("1W2JFML8EABKK")
    kid, _, body = token.partition(":")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(sealing.SealError):
        sealing.unseal(f"{kid}:{flipped}")
    with pytest.raises(sealing.SealError):
        sealing.unseal(f"00000000:{body}")
    settings.CODES_ENCRYPTION_KEYS = ["another key entirely " * 3]
    with pytest.raises(sealing.SealError):
        sealing.unseal(token)


@pytest.mark.django_db(databases=["default", "teleservices"])
def test_the_pair_screen_still_shows_the_code(school, head_client):
    link = make_pair(school)
    code = make_car(link, value="1W2JFML8EABKK")
    page = head_client.get(reverse("car:pair", args=[link.pk]))
    assert page.status_code == 200
    assert code.display == "1W2J - FML - 8EA - BKK"
    assert code.display in page.content.decode()


def test_the_admin_lists_and_shows_no_code_value_and_finds_a_typed_code(admin_client, school):
    code = make_car(make_pair(school), value="1W2JFML8EABKK")
    other = make_car(make_pair(school, last_name="MARTIN"), value="3ABCDEFGHJKLM")
    url = reverse("admin:codes_activationcode_changelist")
    listing = admin_client.get(url).content.decode()
    detail = admin_client.get(reverse("admin:codes_activationcode_change", args=[code.pk])).content.decode()
    for page in (listing, detail):
        for shown in (code.value, code.display, code.value_sealed, code.value_lookup, other.value):
            assert shown not in page
    found = admin_client.get(url, {"q": "1w2j - fml - 8ea - bkk"}).content.decode()
    assert f"/{code.pk}/change/" in found and f"/{other.pk}/change/" not in found
    assert "1W2JFML8EABKK" not in found
    events = admin_client.get(reverse("admin:codes_codeevent_changelist")).content.decode()
    assert code.display not in events


def test_a_code_kind_is_named_without_its_value(school):
    code = make_car(make_pair(school), value="1W2JFML8EABKK")
    assert str(code) == f"CAR (responsable) n° {code.pk}"
    assert code.kind == CodeKind.CAR
