"""Events of the codes app that higher layers react to.

`codes_revoked` is sent after the transaction that revoked access commits (never inside it,
never for a rolled-back change such as an import's dry run), with ids only:

- `code_ids`: codes that stopped being valid (Invalider code, Nouveau code's old code, a
  refusal, an import that took a guardian's legal rank away);
- `refused_link_ids`: CAR refusals: the pair's access is removed ("Enlever l'accès", a slip);
- `refused_student_ids`: CAE refusals: the student's access is removed, his code stays valid.

The replication connects to it and removes the same access from the téléservices database at
once, without waiting for the night (DESIGN.md "Revocations").
"""

from django.dispatch import Signal

codes_revoked = Signal()
