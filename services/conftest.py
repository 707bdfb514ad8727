"""Fixtures of the téléservices app's tests."""

import pytest

from services.services import service_open, teleservices_activate
from siecle.factories import DivisionFactory, MefFactory, StudentFactory


@pytest.fixture
def activated(school, head):
    teleservices_activate(school=school, by=head)
    return school


@pytest.fixture
def notes_open(activated, head):
    service_open(school=activated, service="notes", by=head)
    return activated


@pytest.fixture
def lpc_open(activated, head):
    service_open(school=activated, service="lpc", by=head)
    return activated


@pytest.fixture
def couples(school):
    """Three (MEF, division) couples: 3A holds students of two MEFs; a student who left counts for nothing."""
    mef_3, mef_3seg = (
        MefFactory(school=school, code="10310019110", label="3EME"),
        MefFactory(school=school, code="16710003110", label="3SEGPA"),
    )
    div_a, div_b = DivisionFactory(school=school, code="3A"), DivisionFactory(school=school, code="3B")
    StudentFactory(school=school, mef=mef_3, division=div_a)
    StudentFactory(school=school, mef=mef_3, division=div_a)
    StudentFactory(school=school, mef=mef_3seg, division=div_a)
    StudentFactory(school=school, mef=mef_3, division=div_b)
    gone = DivisionFactory(school=school, code="3Z")
    StudentFactory(school=school, mef=mef_3, division=gone, has_left=True)
    return [(mef_3.pk, div_a.pk), (mef_3seg.pk, div_a.pk), (mef_3.pk, div_b.pk)]
