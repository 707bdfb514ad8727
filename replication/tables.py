"""The tables copied down, and which SIECLE rows qualify for each (docs/teleservices-database.md).

Each `Copied` names its téléservices table, its columns (in the order the SIECLE query returns
them) and the SIECLE query of the qualifying rows. The query ends with `WHERE <rules> AND
{scope}`: the run puts there either `TRUE` (everything: a full run of the academy) or "this
row was named by the journal, or its school is resynced whole" (temp tables of ids).

What qualifies (nothing else ever goes down):
- a school whose téléservices are activated (never the heads' or staff data);
- its MEFs and divisions;
- its current students (not left), with `access_refused` from a CAE refusal;
- its links of legal rank 1 or 2 to a current student, whose pair is not refused;
- the guardians of those links (no address, no e-mail);
- its valid codes whose pair (CAR) or student (CAE, unless his access is refused) is copied,
  as a keyed digest only,
  computed in Python while streaming (the key never appears in SQL);
- its "à échéance" notes dates while the notes service is open in that mode;
- the consultation data of its current students that the publication rules let through on
  the run's day (`{today}`), while the matching service is open (docs/consultation.md):
  absences constatées, légitimes or classées (no state, no reason); marks "au fil de l'eau"
  whose teacher's publication date has passed, or "à échéance" whose publication date is on or
  before a deadline of the student's (MEF, division) couple that has passed; LPC validations
  whose entry date plus the school's delay has passed; B2i items.

A rule that depends on the day makes rows qualify with no change in the base: such a table
lists `windows`, predicates naming the rows that began to qualify since the previous run's
day (`{since}`); an incremental run stages them besides what the journal names.
"""

from __future__ import annotations

from dataclasses import dataclass

# A school is copied when its téléservices are activated.
_ACTIVATED = (
    "EXISTS (SELECT 1 FROM services_schoolsettings ss WHERE ss.school_id = {school} AND ss.activated_at IS NOT NULL)"
)
_CAR_REFUSED = "EXISTS (SELECT 1 FROM car_accessrefusal r WHERE r.kind = 'R' AND r.link_id = {link})"
_CAE_REFUSED = "EXISTS (SELECT 1 FROM car_accessrefusal r WHERE r.kind = 'E' AND r.student_id = {student})"


def activated(school: str) -> str:
    return _ACTIVATED.format(school=school)


@dataclass(frozen=True, slots=True)
class Copied:
    """One copied table: `kind` (the log's name), its téléservices table, its SIECLE query."""

    kind: str
    table: str  # the téléservices table (portal_…)
    columns: tuple[str, ...]  # in the order `select` returns them; `id` first, `school_id` second
    select: str  # SIECLE SQL; `{scope}` is a predicate on the source row (aliases below)
    source: str  # the SIECLE table of the journal's ids (the `id` column's table)
    id_expr: str  # SQL: the source row's id, as `select` names it
    school_expr: str  # SQL: the source row's school, as `select` names it
    digest_column: str = ""  # a column whose value is replaced by its keyed digest
    # SQL predicates on the source row: it began to qualify on a day in [{since}, {today}).
    windows: tuple[str, ...] = ()

    @property
    def compared(self) -> tuple[str, ...]:
        """The columns an upsert compares before it updates (all but the id)."""
        return tuple(c for c in self.columns if c != "id")


def _services_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return (
            "COALESCE((SELECT jsonb_agg(st.service ORDER BY st.service) FROM services_servicestate st "
            "WHERE st.school_id = sc.id AND st.is_open), '[]'::jsonb)"
        )
    return (
        "(SELECT json_group_array(service) FROM (SELECT st.service FROM services_servicestate st "
        "WHERE st.school_id = sc.id AND st.is_open ORDER BY st.service))"
    )


def service_open(service: str, school: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM services_servicestate st WHERE st.school_id = {school} "
        f"AND st.service = '{service}' AND st.is_open)"
    )


def date_literal(vendor: str, day) -> str:
    """A date as an SQL literal (the run's day: a `datetime.date`, never user input)."""
    text = day.isoformat()
    return f"DATE '{text}'" if vendor == "postgresql" else f"'{text}'"


def _plus_days(vendor: str, day: str, days: str) -> str:
    if vendor == "postgresql":
        return f"({day} + {days})"
    return f"date({day}, '+' || {days} || ' days')"


def _minus_days(vendor: str, day: str, days: int) -> str:
    if vendor == "postgresql":
        return f"({day} - {days})"
    return f"date({day}, '-{days} days')"


_CURRENT_STUDENT = "NOT s.has_left AND " + activated("s.school_id")


def consultation_tables(vendor: str) -> tuple[Copied, ...]:
    """The consultation tables (children of the student), with their publication rules."""
    published = "('constatee', 'legitime', 'classee')"  # consultation.models.PUBLISHED_ABSENCE_STATES
    # A mark "à échéance": a deadline of the student's couple has passed and the evaluation's
    # publication date is on or before it.
    deadline_passed = (
        "EXISTS (SELECT 1 FROM services_notespublicationdate n WHERE n.school_id = m.school_id "
        "AND n.mef_id = s.mef_id AND n.division_id = s.division_id AND n.date < {today} AND e.publish_on <= n.date)"
    )
    lpc_visible_from = _plus_days(vendor, "v.entered_on", "ss.lpc_delay_days")
    return (
        Copied(
            kind="absence",
            table="portal_absence",
            columns=("id", "school_id", "student_id", "date", "half_day"),
            select=(
                "SELECT a.id, a.school_id, a.student_id, a.date, a.half_day FROM consultation_absence a "
                f"JOIN siecle_student s ON s.id = a.student_id WHERE a.state IN {published} AND {_CURRENT_STUDENT} "
                "AND " + service_open("absences", "a.school_id") + " AND {scope}"
            ),
            source="consultation_absence",
            id_expr="a.id",
            school_expr="a.school_id",
        ),
        Copied(
            kind="mark",
            table="portal_mark",
            columns=(
                "id",
                "school_id",
                "student_id",
                "subject",
                "label",
                "evaluated_on",
                "coefficient",
                "scale",
                "status",
                "value",
            ),
            select=(
                "SELECT m.id, m.school_id, m.student_id, e.subject, e.label, e.evaluated_on, e.coefficient, e.scale, "
                "m.status, m.value FROM consultation_mark m JOIN consultation_evaluation e ON e.id = m.evaluation_id "
                "JOIN siecle_student s ON s.id = m.student_id "
                "JOIN services_schoolsettings ss ON ss.school_id = m.school_id "
                f"WHERE {_CURRENT_STUDENT} AND " + service_open("notes", "m.school_id") + " AND ("
                "(ss.notes_mode = 'continuous' AND e.publish_on < {today}) OR "
                f"(ss.notes_mode = 'deadline' AND {deadline_passed})) AND {{scope}}"
            ),
            source="consultation_mark",
            id_expr="m.id",
            school_expr="m.school_id",
            windows=(
                # "au fil de l'eau": the teacher's publication date passed since the last run
                "m.evaluation_id IN (SELECT id FROM consultation_evaluation WHERE publish_on >= {since} "
                "AND publish_on < {today})",
                # "à échéance": a deadline of the student's couple passed since the last run
                "m.student_id IN (SELECT s2.id FROM siecle_student s2 JOIN services_notespublicationdate n2 "
                "ON n2.mef_id = s2.mef_id AND n2.division_id = s2.division_id "
                "WHERE n2.date >= {since} AND n2.date < {today})",
            ),
        ),
        Copied(
            kind="competence",
            table="portal_competence",
            columns=("id", "school_id", "student_id", "competence", "validated_on"),
            select=(
                "SELECT v.id, v.school_id, v.student_id, v.competence, v.validated_on "
                "FROM consultation_competencevalidation v JOIN siecle_student s ON s.id = v.student_id "
                "JOIN services_schoolsettings ss ON ss.school_id = v.school_id "
                f"WHERE {_CURRENT_STUDENT} AND " + service_open("lpc", "v.school_id") + f" AND {lpc_visible_from} < "
                "{today} AND {scope}"
            ),
            source="consultation_competencevalidation",
            id_expr="v.id",
            school_expr="v.school_id",
            windows=(
                # the delay is at most 365 days: the bound lets an index on entered_on serve
                f"v.entered_on >= {_minus_days(vendor, '{since}', 366)} AND {lpc_visible_from} >= {{since}}",
            ),
        ),
        Copied(
            kind="b2i",
            table="portal_b2iitem",
            columns=("id", "school_id", "student_id", "item", "domain", "validated_on"),
            select=(
                "SELECT b.id, b.school_id, b.student_id, b.item, b.domain, b.validated_on "
                f"FROM consultation_b2ivalidation b JOIN siecle_student s ON s.id = b.student_id WHERE {_CURRENT_STUDENT} "
                "AND " + service_open("b2i", "b.school_id") + " AND {scope}"
            ),
            source="consultation_b2ivalidation",
            id_expr="b.id",
            school_expr="b.school_id",
        ),
    )


def copied_tables(vendor: str) -> tuple[Copied, ...]:
    """The copied tables, parents first (the order of upserts; deletions go the other way)."""
    link_qualifies = (
        "l.legal_rank IN (1, 2) AND NOT ls.has_left AND "
        + activated("ls.school_id")
        + " AND NOT "
        + _CAR_REFUSED.format(link="l.id")
    )
    return (
        Copied(
            kind="school",
            table="portal_school",
            columns=(
                "id",
                "uaj",
                "academy_code",
                "name",
                "address_line1",
                "address_line2",
                "postcode",
                "city",
                "phone",
                "welcome_html",
                "contact_active",
                "contact_email",
                "notes_mode",
                "lpc_delay_days",
                "services",
            ),
            select=(
                "SELECT sc.id, sc.uaj, a.code, sc.name, sc.address_line1, sc.address_line2, sc.postcode, "
                "sc.city, sc.phone, ss.welcome_message, ss.contact_active, "
                "CASE WHEN ss.contact_active THEN ss.contact_email ELSE '' END, ss.notes_mode, "
                f"ss.lpc_delay_days, {_services_sql(vendor)} "
                "FROM siecle_school sc JOIN siecle_academy a ON a.id = sc.academy_id "
                "JOIN services_schoolsettings ss ON ss.school_id = sc.id "
                "WHERE ss.activated_at IS NOT NULL AND {scope}"
            ),
            source="siecle_school",
            id_expr="sc.id",
            school_expr="sc.id",
        ),
        Copied(
            kind="mef",
            table="portal_mef",
            columns=("id", "school_id", "code", "label"),
            select="SELECT m.id, m.school_id, m.code, m.label FROM siecle_mef m WHERE "
            + activated("m.school_id")
            + " AND {scope}",
            source="siecle_mef",
            id_expr="m.id",
            school_expr="m.school_id",
        ),
        Copied(
            kind="division",
            table="portal_division",
            columns=("id", "school_id", "code", "label"),
            select="SELECT d.id, d.school_id, d.code, d.label FROM siecle_division d WHERE "
            + activated("d.school_id")
            + " AND {scope}",
            source="siecle_division",
            id_expr="d.id",
            school_expr="d.school_id",
        ),
        Copied(
            kind="student",
            table="portal_student",
            columns=(
                "id",
                "school_id",
                "last_name",
                "first_name",
                "birth_date",
                "mef_id",
                "division_id",
                "access_refused",
            ),
            select=(
                "SELECT s.id, s.school_id, s.last_name, s.first_name, s.birth_date, s.mef_id, s.division_id, "
                + _CAE_REFUSED.format(student="s.id")
                + " FROM siecle_student s WHERE NOT s.has_left AND "
                + activated("s.school_id")
                + " AND {scope}"
            ),
            source="siecle_student",
            id_expr="s.id",
            school_expr="s.school_id",
        ),
        Copied(
            kind="guardian",
            table="portal_guardian",
            columns=("id", "school_id", "civility", "last_name", "first_name"),
            select=(
                "SELECT g.id, g.school_id, g.civility, g.last_name, g.first_name FROM siecle_guardian g "
                "WHERE EXISTS (SELECT 1 FROM siecle_guardianlink l JOIN siecle_student ls ON ls.id = l.student_id "
                "WHERE l.guardian_id = g.id AND " + link_qualifies + ") AND {scope}"
            ),
            source="siecle_guardian",
            id_expr="g.id",
            school_expr="g.school_id",
        ),
        Copied(
            kind="link",
            table="portal_link",
            columns=("id", "school_id", "student_id", "guardian_id", "legal_rank"),
            select=(
                "SELECT l.id, ls.school_id, l.student_id, l.guardian_id, l.legal_rank FROM siecle_guardianlink l "
                "JOIN siecle_student ls ON ls.id = l.student_id WHERE " + link_qualifies + " AND {scope}"
            ),
            source="siecle_guardianlink",
            id_expr="l.id",
            school_expr="ls.school_id",
        ),
        Copied(
            kind="code",
            table="portal_code",
            columns=("id", "school_id", "digest", "kind", "link_id", "student_id", "created_on"),
            select=(
                "SELECT c.id, c.school_id, c.value, c.kind, c.link_id, c.student_id, {created_on} "
                "FROM car_activationcode c JOIN siecle_student ls ON ls.id = c.student_id "
                "LEFT JOIN siecle_guardianlink l ON l.id = c.link_id "
                "WHERE c.is_valid AND NOT ls.has_left AND "
                + activated("c.school_id")
                + " AND ((c.kind = 'E' AND c.link_id IS NULL AND NOT "
                + _CAE_REFUSED.format(student="c.student_id")
                + ") OR (c.kind = 'R' AND "
                + link_qualifies
                + ")) AND {scope}"
            ),
            source="car_activationcode",
            id_expr="c.id",
            school_expr="c.school_id",
            digest_column="digest",
        ),
        Copied(
            kind="notes_deadline",
            table="portal_notesdeadline",
            columns=("id", "school_id", "mef_id", "division_id", "deadline"),
            select=(
                "SELECT n.id, n.school_id, n.mef_id, n.division_id, n.date FROM services_notespublicationdate n "
                "JOIN services_schoolsettings ss ON ss.school_id = n.school_id "
                "WHERE ss.activated_at IS NOT NULL AND ss.notes_mode = 'deadline' AND EXISTS ("
                "SELECT 1 FROM services_servicestate st WHERE st.school_id = n.school_id "
                "AND st.service = 'notes' AND st.is_open) AND {scope}"
            ),
            source="services_notespublicationdate",
            id_expr="n.id",
            school_expr="n.school_id",
        ),
        *consultation_tables(vendor),
    )


# The copied tables' kinds, parents first (the run's temp tables and the checksums are per kind).
KINDS: tuple[str, ...] = tuple(t.kind for t in copied_tables("postgresql"))
