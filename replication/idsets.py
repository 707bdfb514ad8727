"""Which students' rows a run looks at again: only those whose change matters to them.

A student's links (and their guardians and codes) and his consultation rows qualify or not
according to the student's row: present (not left, his school activated), his school, his MEF
and division (the notes deadlines of his couple), his CAE refusal. Nothing else of the student
(names, birth date) changes anything of them. So a run does not expand every student named by
the journal into his rows: once the named students are staged on the téléservices side, it
compares them with what that side holds, and expands only the students

- present on one side only (he arrived, left, came back, his school's activation aside: a
  school whose activation changes is resynced whole anyway), or
- whose school, MEF, division or CAE refusal differs.

A student renamed (the bulk of a night's changes) brings nothing else. Why this misses
nothing: every row of those tables is journaled itself when it changes (triggers), so what a
student's rows need from a run is only what follows from the student's own row; and the
téléservices side holds, for every student, the state the previous run copied (a run commits
there whole or not at all; a run whose SIECLE side did not commit leaves its journal rows,
and the next run compares with what the committed one left, which can only expand less when
nothing is left to do). The tests of `test_run.py` (a student who left, made current again, a
CAE refusal, a moved school) and `test_consultation.py` (a student who left takes his
consultation data away) cover each case.
"""

from __future__ import annotations

# The student's columns on the téléservices side his rows depend on (see the module).
_DEPENDED_ON = ("school_id", "mef_id", "division_id", "access_refused")

# Per kind: the SIECLE ids of the rows of the students in {moved} (an SQL list or array test).
_CHILDREN = {
    "link": "SELECT l.id FROM siecle_guardianlink l WHERE l.student_id {moved}",
    "guardian": "SELECT l.guardian_id AS id FROM siecle_guardianlink l WHERE l.student_id {moved}",
    "code": "SELECT c.id FROM car_activationcode c WHERE c.student_id {moved} UNION "
    "SELECT c.id FROM car_activationcode c JOIN siecle_guardianlink l ON l.id = c.link_id "
    "WHERE l.student_id {moved}",
    "absence": "SELECT a.id FROM consultation_absence a WHERE a.student_id {moved}",
    "mark": "SELECT m.id FROM consultation_mark m WHERE m.student_id {moved}",
    "competence": "SELECT v.id FROM consultation_competencevalidation v WHERE v.student_id {moved}",
    "b2i": "SELECT b.id FROM consultation_b2ivalidation b WHERE b.student_id {moved}",
}


def students_moved(sides) -> list[int]:
    """The named students whose rows must be looked at again (téléservices side, after staging)."""
    if sides.dst_vendor == "postgresql":
        differs = "({}) IS DISTINCT FROM ({})".format(
            ", ".join(f"s.{c}" for c in _DEPENDED_ON), ", ".join(f"p.{c}" for c in _DEPENDED_ON)
        )
    else:
        differs = " OR ".join(f"s.{c} IS NOT p.{c}" for c in _DEPENDED_ON)
    with sides.dst.cursor() as cursor:
        cursor.execute(
            "SELECT d.id FROM repl_d_student d LEFT JOIN repl_stage_student s ON s.id = d.id "
            "LEFT JOIN portal_student p ON p.id = d.id "
            f"WHERE (s.id IS NULL) <> (p.id IS NULL) OR (s.id IS NOT NULL AND p.id IS NOT NULL AND ({differs}))"
        )
        return [int(row[0]) for row in cursor.fetchall()]


def students_expand(sides, moved: list[int]) -> list[str]:
    """Add the rows of the `moved` students to the SIECLE side's id sets; the kinds whose set
    is not empty now."""
    if not moved:
        return []
    listed = ", ".join(str(int(i)) for i in moved)
    test = f"= ANY('{{{listed}}}'::bigint[])" if sides.vendor == "postgresql" else f"IN ({listed})"
    statements = [
        # (`WHERE true`: SQLite's parser needs it before an upsert clause of an INSERT … SELECT)
        f"INSERT INTO repl_d_{kind} (id) SELECT id FROM ({sql.format(moved=test)}) x WHERE true "
        "ON CONFLICT (id) DO NOTHING"
        for kind, sql in _CHILDREN.items()
    ]
    if sides.vendor == "postgresql":  # one round trip
        sides.execute(sides.src, "; ".join(statements) + "; ANALYZE " + ", ".join(f"repl_d_{k}" for k in _CHILDREN))
    else:
        for statement in statements:
            sides.execute(sides.src, statement)
    with sides.src.cursor() as cursor:  # which sets are not empty now, in one query
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM (SELECT 1 FROM repl_d_{k} LIMIT 1) x)" for k in _CHILDREN)
        )
        found = cursor.fetchone()
    return [kind for kind, one in zip(_CHILDREN, found, strict=True) if one]
