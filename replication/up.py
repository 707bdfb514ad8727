"""What comes back up from the téléservices database (its outbox), checked and recorded here.

Filled by the replication issue (#10): `outbox_apply` claims outbox rows, checks each one
against the SIECLE base (a code id not of the school and kind it claims, or not valid, is
refused and logged), records it through the codes services, then deletes the claimed rows.
"""

from __future__ import annotations


def outbox_apply(*, school_ids=None, log=None) -> dict[str, int]:
    """Apply the outbox; returns counts per kind ("usage", "lock", "refused"). Placeholder."""
    return {}
