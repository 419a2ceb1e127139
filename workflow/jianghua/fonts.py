"""The CJK font the report embeds, so that its Chinese labels read on a machine without CJK fonts.

The font is Noto Sans CJK SC (SIL Open Font License 1.1; the Simplified Chinese face of the collection that the
``manimgx-fonts-cjk`` package ships, a dependency of this one). Each report file embeds a subset of it holding
only the glyphs of the characters that file shows, as a WOFF2 data URL in an ``@font-face`` rule, and every
chart names that family: nothing depends on the fonts of the viewer's machine. The subset keeps the weight
axis, so bold titles are drawn from the same font.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import cache
from pathlib import Path

from jianghua.errors import JianghuaError

FAMILY = "Noto Sans CJK SC"  # the family every chart and page names; its subset is embedded in each file
COLLECTION = "NotoSansCJK-VF.otf.ttc"
# characters every file may draw besides its own text (axis numbers, the ellipsis of a shortened label)
ALWAYS = "0123456789.,:;-–—+×%()[]/…↗ abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class FontMissing(JianghuaError):
    """The package that ships the report's CJK font is not installed."""


def collection_path() -> Path:
    """The font collection file of the installed ``manimgx-fonts-cjk`` package."""
    try:
        import manimgx_fonts_cjk
    except ImportError as error:
        raise FontMissing(f"the report embeds Noto Sans CJK SC from the package 'manimgx-fonts-cjk', which is not "
                          f"installed: run `pip install -e .` in the repository (it is a dependency)") from error
    path = Path(manimgx_fonts_cjk.__file__).resolve().parent / COLLECTION
    if not path.is_file():
        raise FontMissing(f"'{path}' is missing from the package 'manimgx-fonts-cjk': reinstall it "
                          f"(`pip install --force-reinstall manimgx-fonts-cjk`)")
    return path


@cache
def _face_number() -> int:
    """The index of the Simplified Chinese face in the collection, found by its family name."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(collection_path()), lazy=True)
    for number, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == FAMILY:
            return number
    raise FontMissing(f"'{collection_path()}' holds no face named '{FAMILY}': reinstall 'manimgx-fonts-cjk'")


def subset(text: str, source: bytes | None = None) -> bytes:
    """The font reduced to the glyphs of ``text`` (and of ``ALWAYS``), as WOFF2 bytes; from ``source`` (a
    subset already made, for a larger text) if given, which is much faster than from the whole collection.

    The same text gives the same bytes: the font's timestamps are kept, not set to the time of the run.
    """
    return _subset("".join(sorted(set(text) | set(ALWAYS))), source)


@cache
def _subset(characters: str, source: bytes | None) -> bytes:
    """``subset`` of the sorted distinct characters: pages that draw the same characters share one subset."""
    from fontTools import subset as subsetter
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per table pruned filled the job's log

    font = (TTFont(io.BytesIO(source), recalcTimestamp=False) if source is not None else
            TTFont(str(collection_path()), fontNumber=_face_number(), recalcTimestamp=False))
    options = subsetter.Options()
    options.layout_features = ["*"]  # vertical forms, proportional digits, ligatures of the text kept
    options.name_IDs = ["*"]         # the copyright and license notices travel with the subset
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["DSIG"]
    options.flavor = "woff2"
    tool = subsetter.Subsetter(options)
    tool.populate(text=characters)
    tool.subset(font)
    font.flavor = "woff2"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_face(text: str, source: bytes | None = None) -> str:
    """A CSS ``@font-face`` rule for ``FAMILY``, its subset for ``text`` (made from ``source``, see ``subset``)
    embedded as a data URL."""
    data = base64.b64encode(subset(text, source)).decode("ascii")
    return (f"@font-face{{font-family:'{FAMILY}';font-weight:100 900;font-style:normal;"
            f"src:url(data:font/woff2;base64,{data}) format('woff2');}}")


@cache
def register_for_measuring() -> Path:
    """Register the collection's folder with vl-convert, which measures the labels of the SVG charts with it (it
    has no other CJK font on such a machine); once per process: a font registered again is measured otherwise."""
    import vl_convert

    folder = collection_path().parent
    vl_convert.register_font_directory(str(folder))
    return folder
