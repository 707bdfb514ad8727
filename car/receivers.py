"""A guardian who stops being legal 1 or 2 of a student loses the CAR of that pair."""

from __future__ import annotations

from django.dispatch import receiver

from codes.models import ActivationCode, CodeKind
from siecle.models import School
from siecle.signals import CodesInvalidated, links_lost_legal_rank

from .services import car_invalidate_for_links


@receiver(links_lost_legal_rank, dispatch_uid="car_links_lost_legal_rank")
def invalidate_codes_of_former_legal_guardians(
    sender, *, school: School, link_ids: list[int], **kwargs
) -> CodesInvalidated:
    """Invalidate, and tell the importer how many valid codes that was and how many were notified."""
    notified = ActivationCode.objects.filter(
        kind=CodeKind.CAR, school=school, link_id__in=list(link_ids), is_valid=True, notified_at__isnull=False
    ).count()
    count = car_invalidate_for_links(school=school, link_ids=link_ids)
    return CodesInvalidated(kind="CAR", count=count, notified=min(notified, count))
