"""`manage.py import_consultation`: absences, evaluations, marks, LPC and B2i validations from CSV files."""

from siecle.importer.errors import ExportRefused

from .run import ConsultationReport, consultation_import

__all__ = ["ConsultationReport", "ExportRefused", "consultation_import"]
