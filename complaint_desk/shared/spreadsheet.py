"""CSV that a spreadsheet opens safely: no cell becomes a live formula (OWASP's CSV
injection guidance). Every export the product has writes through :func:`write_csv`."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# A cell starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice
# and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text a spreadsheet shows as text: prefixed with ``'`` where it would
    otherwise start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV, every cell quoted and neutralised, with a BOM so that spreadsheets
    read the Chinese as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()
