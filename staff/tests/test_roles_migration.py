"""staff.0006: the memberships that existed keep every right (chef); academy staff become read-only."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from staff.models import AcademyMembership, Role, SchoolMembership

BEFORE = [("staff", "0005_membership_source")]
AFTER = [("staff", "0006_membership_roles")]


@pytest.mark.django_db(transaction=True)
def test_existing_memberships_become_chef_and_academy_staff_read_only(school):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        user = old.get_model("auth", "User").objects.create(username="ancien.chef")
        old.get_model("staff", "SchoolMembership").objects.create(user_id=user.pk, school_id=school.pk)
        old.get_model("staff", "AcademyMembership").objects.create(user_id=user.pk, academy_id=school.academy_id)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    assert SchoolMembership.objects.get(user__username="ancien.chef").role == Role.CHEF
    assert AcademyMembership.objects.get(user__username="ancien.chef").can_write is False
    # New rows created without a role get the least privilege.
    assert SchoolMembership._meta.get_field("role").default == Role.CONSULTATION
