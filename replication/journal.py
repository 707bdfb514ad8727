"""The change journal (`replication_change`): what changed in the SIECLE base since the last run.

Every table the families' side depends on is registered in `JOURNALED`. A migration installs,
for each registered table, database triggers that append one journal row per changed row in
the same transaction as the change, whatever wrote it: a service, the importer's COPY, a raw
INSERT of the code creation or of `seed_demo`, the Django admin, a psql session.

- PostgreSQL: three statement-level AFTER triggers (INSERT, UPDATE, DELETE) per table, with
  transition tables, each running one `INSERT … SELECT` over the rows the statement changed.
- SQLite (the embedded default): three row-level AFTER triggers per table.

A journal row names what the run must look at again, which is not always the table written:
a refusal names the pair (CAR) or the student (CAE) it is about, so that lifting it (a
DELETE that leaves no trace) still names what to resync; a school's settings and service
states name the school. On UPDATE, a table may list the columns that matter to the families'
side (`watched`): an update that changes none of them (a code marked as notified) is not
journaled.

To journal a new table: add a `Journaled` entry below and a replication migration that calls
`journal_install` with its table (as `replication.0005` does for the consultation tables);
`replication/tests/test_journal.py` fails until both exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

JOURNAL_TABLE = "replication_change"


@dataclass(frozen=True, slots=True)
class Journaled:
    """A SIECLE table whose changes are journaled, and what its journal rows name.

    The SQL expressions read the changed row through the alias `{r}`.
    """

    table: str
    model: str  # "app_label.ModelName" of `table` (the write-path test writes through it)
    label: str = "'{table}'"  # SQL: the journal's `label` (the table whose row to look at)
    row_id: str = "{r}.id"  # SQL: the id of that row
    school_id: str = "{r}.school_id"  # SQL: its school, NULL when unknown
    watched: tuple[str, ...] = ()  # columns an UPDATE must change to be journaled (empty: any)

    def expression(self, sql: str, alias: str) -> str:
        return sql.replace("{table}", self.table).replace("{r}", alias)


_LINK_SCHOOL = "(SELECT s.school_id FROM siecle_student s WHERE s.id = {r}.student_id)"

JOURNALED: tuple[Journaled, ...] = (
    Journaled("siecle_academy", "siecle.Academy", school_id="NULL", watched=("code",)),
    Journaled("siecle_school", "siecle.School", school_id="{r}.id"),
    Journaled("siecle_mef", "siecle.Mef"),
    Journaled("siecle_division", "siecle.Division"),
    Journaled(
        "siecle_student",
        "siecle.Student",
        watched=("school_id", "last_name", "first_name", "birth_date", "mef_id", "division_id", "has_left"),
    ),
    Journaled(
        "siecle_guardian",
        "siecle.Guardian",
        watched=("school_id", "civility", "last_name", "first_name"),
    ),
    Journaled(
        "siecle_guardianlink",
        "siecle.GuardianLink",
        school_id=_LINK_SCHOOL,
        watched=("student_id", "guardian_id", "legal_rank"),
    ),
    Journaled(
        "car_activationcode",
        "codes.ActivationCode",
        watched=("kind", "school_id", "student_id", "link_id", "value", "is_valid", "created_at"),
    ),
    # A refusal names its pair (CAR) or its student (CAE): lifting it deletes the row.
    Journaled(
        "car_accessrefusal",
        "codes.AccessRefusal",
        label="CASE WHEN {r}.link_id IS NULL THEN 'siecle_student' ELSE 'siecle_guardianlink' END",
        row_id="COALESCE({r}.link_id, {r}.student_id)",
    ),
    # A school's settings and the states of its services are columns of the copied school.
    Journaled("services_schoolsettings", "services.SchoolSettings", label="'siecle_school'", row_id="{r}.school_id"),
    Journaled("services_servicestate", "services.ServiceState", label="'siecle_school'", row_id="{r}.school_id"),
    Journaled("services_notespublicationdate", "services.NotesPublicationDate"),
    # The consultation data (docs/consultation.md). An evaluation names its marks (run.py).
    Journaled(
        "consultation_absence",
        "consultation.Absence",
        watched=("school_id", "student_id", "date", "half_day", "state"),
    ),
    Journaled(
        "consultation_evaluation",
        "consultation.Evaluation",
        watched=("school_id", "subject", "label", "evaluated_on", "coefficient", "scale", "publish_on"),
    ),
    Journaled(
        "consultation_mark",
        "consultation.Mark",
        watched=("school_id", "evaluation_id", "student_id", "status", "value"),
    ),
    Journaled(
        "consultation_competencevalidation",
        "consultation.CompetenceValidation",
        watched=("school_id", "student_id", "competence", "validated_on", "entered_on"),
    ),
    Journaled(
        "consultation_b2ivalidation",
        "consultation.B2iValidation",
        watched=("school_id", "student_id", "item", "domain", "validated_on"),
    ),
)

BY_TABLE: dict[str, Journaled] = {j.table: j for j in JOURNALED}

OPS = (("INSERT", "I"), ("UPDATE", "U"), ("DELETE", "D"))


def _name(table: str, op: str) -> str:
    return f"replication_journal_{table}_{op.lower()}"


def trigger_names(table: str) -> list[str]:
    return [_name(table, op) for op, _ in OPS]


def _postgresql_sql(entry: Journaled) -> list[str]:
    statements = []
    for op, letter in OPS:
        name = _name(entry.table, op)
        source = "old_rows" if op == "DELETE" else "new_rows"
        select = (
            f"SELECT {entry.expression(entry.label, 'r')}, {entry.expression(entry.row_id, 'r')}, "
            f"{entry.expression(entry.school_id, 'r')}, '{letter}', now() FROM {source} r"
        )
        referencing = "REFERENCING NEW TABLE AS new_rows"
        if op == "UPDATE":
            referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            if entry.watched:
                new = ", ".join(f"r.{c}" for c in entry.watched)
                old = ", ".join(f"o.{c}" for c in entry.watched)
                select += f" JOIN old_rows o ON o.id = r.id WHERE ({new}) IS DISTINCT FROM ({old})"
        elif op == "DELETE":
            referencing = "REFERENCING OLD TABLE AS old_rows"
        statements.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  INSERT INTO {JOURNAL_TABLE} (label, row_id, school_id, op, created_at)\n  {select};\n"
            f"  RETURN NULL;\n"
            f"END $$"
        )
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {entry.table}")
        statements.append(
            f"CREATE TRIGGER {name} AFTER {op} ON {entry.table} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return statements


def _sqlite_sql(entry: Journaled) -> list[str]:
    statements = []
    for op, letter in OPS:
        name = _name(entry.table, op)
        alias = "OLD" if op == "DELETE" else "NEW"
        when = ""
        if op == "UPDATE" and entry.watched:
            when = " WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in entry.watched)
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} AFTER {op} ON {entry.table} FOR EACH ROW{when} BEGIN "
            f"INSERT INTO {JOURNAL_TABLE} (label, row_id, school_id, op, created_at) VALUES ("
            f"{entry.expression(entry.label, alias)}, {entry.expression(entry.row_id, alias)}, "
            f"{entry.expression(entry.school_id, alias)}, '{letter}', strftime('%Y-%m-%d %H:%M:%f', 'now')); END"
        )
    return statements


def journal_sql(entry: Journaled, vendor: str) -> list[str]:
    """The statements that (re)install the journal triggers of one table."""
    if vendor == "postgresql":
        return _postgresql_sql(entry)
    if vendor == "sqlite":
        return _sqlite_sql(entry)
    # The SIECLE base runs on PostgreSQL, or SQLite for the embedded default: nothing else.
    raise ImproperlyConfigured(f"The replication journal supports PostgreSQL and SQLite, not {vendor}.")


def journal_drop_sql(entry: Journaled, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            s
            for name in trigger_names(entry.table)
            for s in (f"DROP TRIGGER IF EXISTS {name} ON {entry.table}", f"DROP FUNCTION IF EXISTS {name}()")
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in trigger_names(entry.table)]


def journal_install(schema_editor, *, tables: list[str]) -> None:
    """Install the triggers of the registered `tables` (a migration's RunPython calls it)."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        for statement in journal_sql(BY_TABLE[table], vendor):
            schema_editor.execute(statement, params=None)


def journal_uninstall(schema_editor, *, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        for statement in journal_drop_sql(BY_TABLE[table], vendor):
            schema_editor.execute(statement, params=None)


def installed_triggers(connection) -> set[str]:
    """Names of the journal triggers present in the database of `connection`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'replication_journal_%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'replication_journal_%'"
            )
        return {row[0] for row in cursor.fetchall()}
