"""Import of SIECLE BEE XML exports into the SIECLE base (SPEC A2).

Entry points: `import_exports(files, uaj=..., dry_run=..., confirmation=...)` with
`ExportFile(path_or_file)` items; `ExportRefused` when a file must be refused as a whole, and
its subclass `ImportBlocked` when the run would make mass changes, comes from a partial
export or does more than a confirmed preview (safeguards); nothing is written then.
Modules: reading (zip/XML detection, streaming), staging (temporary tables), one module per
export kind (nomenclature, structures, students, guardians), writer (compare and bulk write),
report, safeguards.
"""

from .errors import ExportRefused
from .reading import ExportFile, ExportHeader
from .report import ImportReport
from .run import check_headers, import_exports
from .safeguards import Confirmation, ImportBlocked

__all__ = [
    "Confirmation",
    "ExportFile",
    "ExportHeader",
    "ExportRefused",
    "ImportBlocked",
    "ImportReport",
    "check_headers",
    "import_exports",
]
