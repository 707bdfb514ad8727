"""What every part of one import shares: the school, the report, the MEF and division ids."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from ..models import Division, Mef, School, Student
from .report import ImportReport


@dataclass
class ImportContext:
    school: School
    report: ImportReport
    today: datetime.date
    mef_ids: dict[str, int] = field(default_factory=dict)
    division_ids: dict[str, int] = field(default_factory=dict)

    def load(self) -> None:
        """MEFs and divisions of a school are a few hundred rows at most: kept at hand."""
        self.mef_ids = dict(Mef.objects.filter(school=self.school).values_list("code", "id"))
        self.division_ids = dict(Division.objects.filter(school=self.school).values_list("code", "id"))
        self.report.present_students = Student.objects.filter(school=self.school, has_left=False).count()

    def mef_id(self, code: str) -> int | None:
        if not code:
            return None
        code = code[: Mef._meta.get_field("code").max_length]
        if code not in self.mef_ids:
            mef = Mef.objects.create(school=self.school, code=code, label=code)
            self.mef_ids[code] = mef.pk
            self.report.counts["mefs"].created += 1
            self.report.notice("mefs_unknown", code)
        return self.mef_ids[code]

    def division_id(self, code: str) -> int:
        code = code[: Division._meta.get_field("code").max_length]
        if code not in self.division_ids:
            division = Division.objects.create(school=self.school, code=code)
            self.division_ids[code] = division.pk
            self.report.counts["divisions"].created += 1
        return self.division_ids[code]
