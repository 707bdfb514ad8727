import pytest

from services.services import service_open, teleservices_activate


@pytest.fixture
def open_service(school, head):
    """The school has activated the téléservices and opened one: codes may be created."""
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
