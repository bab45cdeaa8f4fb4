"""A CJK font for PDFs (reports, lookup exports), from Debian's fonts-noto-cjk.

ReportLab's built-in CID fonts are not embedded in the file, so a reader
without Chinese fonts shows boxes; an embedded TrueType subset always renders.
"""

import functools
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FONT_NAME = "NotoSansCJK"
# Debian's fonts-noto-cjk (installed by `make setup`); the collection's SC face.
CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]


@functools.cache
def cjk_font_name() -> str:
    """Register the CJK font with ReportLab once and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path, index in CANDIDATES:
        if Path(path).exists():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
            except TTFError:
                # Noto CJK ships PostScript (CFF) outlines, which ReportLab cannot embed;
                # fall through to a TrueType face (fonts-wqy-zenhei).
                continue
            return FONT_NAME
    raise ImproperlyConfigured(
        "No CJK TrueType font found: install Debian's fonts-wqy-zenhei (make system-packages)."
    )
