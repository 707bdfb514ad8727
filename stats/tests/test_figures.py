"""Rates print as the manual prints them, in French."""

from decimal import Decimal

import pytest

from stats.figures import GuardianFigures, StudentFigures, format_percent, percentage


@pytest.mark.parametrize(
    ("part", "whole", "printed"),
    [
        (1, 18, "5,56 %"),  # the manual's 3A: 5.56 %
        (3, 815, "0,37 %"),
        (49, 1487, "3,3 %"),  # trailing zero dropped, as in "3.3 %"
        (1, 25, "4 %"),  # a whole number has no decimals
        (1, 2, "50 %"),
        (1, 3, "33,33 %"),
        (2, 3, "66,67 %"),  # rounded half up
        (26, 183, "14,21 %"),
        (5, 5, "100 %"),
        (0, 22, "0 %"),
        (0, 0, "0 %"),  # nothing to count is 0 %, not an error
    ],
)
def test_rates_print_like_the_manual_with_a_decimal_comma(part, whole, printed):
    assert format_percent(percentage(part, whole), space=" ") == printed


def test_on_screen_the_percent_sign_never_wraps_away_from_its_number():
    assert format_percent(Decimal("5.56")) == "5,56\u00a0%"


def test_a_sum_row_adds_counts_and_recomputes_rates():
    total = StudentFigures(18, 5, 14, 1, 1) + StudentFigures(25, 6, 21, 1, 1)
    assert total == StudentFigures(43, 11, 35, 2, 2)
    assert total.cells() == [43, 11, 35, 2, "4,65 %", "4,65 %"]


def test_guardian_rates_use_guardians_and_students_as_their_bases():
    figures = GuardianFigures(
        guardians=29, notified=29, notified_this_year=29, accounts=11, accounts_this_year=11,
        students=18, students_with_account=9,
    )  # fmt: skip
    assert figures.cells()[5:] == ["37,93 %", "37,93 %", "50 %"]
