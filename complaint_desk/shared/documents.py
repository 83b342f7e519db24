"""The documents people print (handling reports, dossiers, periodic reports) as PDFs of one
kind: A4, the CJK font embedded and subset, so a PDF reads correctly on a machine without
one (fpdf2)."""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF

# Where Debian's CJK fonts are (fonts-wqy-zenhei; Noto CJK also serves).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
logging.getLogger("fontTools").setLevel(logging.ERROR)  # its subsetter's notes on BDF tables


class NoFont(RuntimeError):
    """No CJK font is installed where the documents look for one."""


def font_path(configured: str | None = None) -> Path:
    for candidate in ([Path(configured)] if configured else []) + list(FONT_CANDIDATES):
        if candidate.is_file():
            return candidate
    raise NoFont("no CJK font found: install fonts-wqy-zenhei (see the README)")


def a4_document(title: str, heading: str, font: Path) -> FPDF:
    """An A4 document with the CJK font (embedded, subset) and its heading on the first page."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("complaint-desk")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("cjk", fname=str(font), collection_font_number=0)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT", align="C")
    return pdf
