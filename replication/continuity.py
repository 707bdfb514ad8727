"""Continuity of access (SPEC C7), decided on the SIECLE side during a run.

`continuity_decide` (before the rows go down) finds students who changed school within the
academy (same INE) whose new school has its téléservices open, and for each guardian who had
an account through the old school's CAR records the new school's CAR as attached
(`codes_continuity_record`). `continuity_attach` (after the rows went down) writes the matching
`portal.Attachment` rows (origin "continuity"). Both idempotent. Placeholders until #10 fills them.
"""

from __future__ import annotations


def continuity_decide(*, school_ids=None, log=None) -> dict[str, int]:
    return {}


def continuity_attach(*, school_ids=None, log=None) -> dict[str, int]:
    return {}
