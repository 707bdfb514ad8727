"""Every figure of the hand-built school (stats/tests/conftest.py) against what it must be."""

import pytest

from siecle.factories import StudentFactory
from stats.figures import GuardianFigures, StudentFigures
from stats.selectors import guardian_code_synthesis, student_code_synthesis

pytestmark = pytest.mark.django_db


def _by_label(synthesis):
    return {group.mef: ({row.division: row.figures for row in group.rows}, group.total) for group in synthesis.mefs}


def test_student_synthesis_counts_every_figure_of_the_known_school(known_school):
    synthesis = student_code_synthesis(school=known_school)
    groups = _by_label(synthesis)
    assert list(groups) == ["3EME", "6EME"]
    divisions, total = groups["3EME"]
    # 3A: Alice (notified, account this year), Bruno (notified, account last year), Chloé
    # (refused); Félix has left and is not counted.
    assert divisions["3A"] == StudentFigures(students=3, refusals=1, notified=2, accounts=2, accounts_this_year=1)
    assert divisions["3B"] == StudentFigures(students=1)
    assert total == StudentFigures(students=4, refusals=1, notified=2, accounts=2, accounts_this_year=1)
    assert groups["6EME"][0] == {"6A": StudentFigures(students=1, notified=1)}
    assert synthesis.school == StudentFigures(students=5, refusals=1, notified=3, accounts=2, accounts_this_year=1)


def test_student_rates_of_the_known_school(known_school):
    synthesis = student_code_synthesis(school=known_school)
    divisions, total = _by_label(synthesis)["3EME"]
    assert divisions["3A"].cells()[4:] == ["66,67 %", "33,33 %"]
    assert divisions["3B"].cells()[4:] == ["0 %", "0 %"]
    assert total.cells()[4:] == ["50 %", "25 %"]
    assert synthesis.school.cells()[4:] == ["40 %", "20 %"]


def test_guardian_synthesis_counts_persons_per_division(known_school):
    groups = _by_label(guardian_code_synthesis(school=known_school))
    divisions, total = groups["3EME"]
    # 3A: G1 and G2 (Alice), G3 once for the twins; G4 is another contact, G6 Félix's (left).
    assert divisions["3A"] == GuardianFigures(
        guardians=3, refusals=0, notified=3, notified_this_year=2, accounts=2, accounts_this_year=1,
        students=3, students_with_account=2,
    )  # fmt: skip
    assert divisions["3B"] == GuardianFigures(guardians=1, refusals=1, students=1)
    assert total == GuardianFigures(
        guardians=4, refusals=1, notified=3, notified_this_year=2, accounts=2, accounts_this_year=1,
        students=4, students_with_account=2,
    )  # fmt: skip
    # G1 again in 6A for Emma: a code notified and attached last year.
    assert groups["6EME"][0]["6A"] == GuardianFigures(
        guardians=1, notified=1, accounts=1, students=1, students_with_account=1
    )


def test_the_school_counts_a_guardian_of_two_divisions_once(known_school):
    synthesis = guardian_code_synthesis(school=known_school)
    assert sum(group.total.guardians for group in synthesis.mefs) == 5  # G1 in 3A and in 6A
    assert synthesis.school == GuardianFigures(
        guardians=4, refusals=1, notified=3, notified_this_year=2, accounts=2, accounts_this_year=1,
        students=5, students_with_account=3,
    )  # fmt: skip
    assert synthesis.school.cells()[5:] == ["50 %", "25 %", "60 %"]


def test_a_student_without_guardian_counts_in_the_students_base(known_school):
    division = known_school.divisions.get(code="3B")
    StudentFactory(school=known_school, mef=division.students.first().mef, division=division)
    divisions, _total = _by_label(guardian_code_synthesis(school=known_school))["3EME"]
    assert divisions["3B"].students == 2 and divisions["3B"].guardians == 1


def test_students_without_mef_or_division_are_grouped_apart(school):
    StudentFactory(school=school, mef=None, division=None)
    synthesis = student_code_synthesis(school=school)
    assert [(g.mef, [r.division for r in g.rows]) for g in synthesis.mefs] == [("Sans MEF", ["Sans division"])]
    assert synthesis.school.students == 1


def test_an_empty_school_has_zero_everywhere(school):
    students, guardians = student_code_synthesis(school=school), guardian_code_synthesis(school=school)
    assert students.mefs == [] and guardians.mefs == []
    assert students.school.cells() == [0, 0, 0, 0, "0 %", "0 %"]
    assert guardians.school.cells() == [0, 0, 0, 0, 0, "0 %", "0 %", "0 %"]


def test_another_schools_codes_never_count(known_school, other_school):
    from stats.tests.conftest import build_known_school

    build_known_school(other_school)
    assert student_code_synthesis(school=known_school).school.students == 5
    assert guardian_code_synthesis(school=known_school).school.guardians == 4
