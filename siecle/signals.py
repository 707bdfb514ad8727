"""Events of the SIECLE base that other apps react to, sent inside the writing transaction.

The importer and the demo generator send them; receivers live in the apps that own the
consequence (the CAE app gives every new student his code, the CAR app invalidates the code
of a guardian who is no longer a legal guardian of that student).
"""

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class CodesInvalidated:
    """What a receiver answers when it invalidated codes: `count` valid codes of `kind` ("CAR" or
    "CAE"), `notified` of them already handed to families. The importer adds these up in its
    report (the dry run included: it runs the same code, then rolls back)."""

    kind: str
    count: int
    notified: int


# Sent with school=School, student_ids=list[int]: students just created in the SIECLE base.
students_created = Signal()

# Sent with school=School, link_ids=list[int]: student–guardian links that stopped being
# legal 1 or 2 (the rank fell to 0, or the link vanished from the latest export). Receivers
# that invalidate codes return a CodesInvalidated.
links_lost_legal_rank = Signal()

# Sent with school=School, student_ids=list[int]: students present until now and marked as
# left by an import (inside its transaction). The replication removes their codes from the
# families' side once the import commits.
students_left = Signal()
