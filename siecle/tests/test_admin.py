"""The Django admin reads the SIECLE base; only the import changes students, guardians and links."""

import pytest
from django.urls import reverse

from car.services import car_create_bulk
from services.services import service_open, teleservices_activate
from siecle.factories import GuardianLinkFactory, StudentFactory
from siecle.models import GuardianLink, LegalRank

pytestmark = pytest.mark.django_db


def test_a_link_keeps_its_legal_rank_and_its_code_whatever_is_posted_in_the_admin(admin_client, school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    link = GuardianLinkFactory(student__school=school)
    car_create_bulk(school=school, link_ids=[link.pk], by=head)
    url = reverse("admin:siecle_guardianlink_change", args=[link.pk])
    response = admin_client.post(
        url, {"student": link.student_id, "guardian": link.guardian_id, "legal_rank": LegalRank.OTHER}
    )
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.legal_rank == LegalRank.LEGAL_1
    assert (
        admin_client.post(reverse("admin:siecle_guardianlink_delete", args=[link.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert GuardianLink.objects.filter(pk=link.pk).exists()


def test_a_student_cannot_be_moved_to_another_school_in_the_admin(admin_client, school, other_school):
    student = StudentFactory(school=school)
    assert admin_client.get(reverse("admin:siecle_student_change", args=[student.pk])).status_code == 200
    response = admin_client.post(reverse("admin:siecle_student_change", args=[student.pk]), {"school": other_school.pk})
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.school == school
    assert admin_client.get(reverse("admin:siecle_student_add")).status_code == 403
