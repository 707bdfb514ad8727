"""CSV exports of the code lists (Édition): the streamed, spreadsheet-safe CSV of `tsadmin.csv_export`.

The helpers moved down to `tsadmin` so that lower layers (the audit journal's export) use the
same writer; the screens keep importing them from here.
"""

from tsadmin.csv_export import FORMULA_STARTS, csv_cell, csv_response

__all__ = ["FORMULA_STARTS", "csv_cell", "csv_response"]
