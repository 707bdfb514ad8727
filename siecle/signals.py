"""Events of the SIECLE base that other apps react to, sent inside the writing transaction.

The importer and the demo generator send them; receivers live in the apps that own the
consequence (the CAE app gives every new student his code, the CAR app invalidates the code
of a guardian who is no longer a legal guardian of that student).
"""

from django.dispatch import Signal

# Sent with school=School, student_ids=list[int]: students just created in the SIECLE base.
students_created = Signal()

# Sent with school=School, link_ids=list[int]: student–guardian links that stopped being
# legal 1 or 2 (the rank fell to 0, or the link vanished from the latest export).
links_lost_legal_rank = Signal()
