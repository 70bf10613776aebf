"""Lenstool catalogues (images, sources, potfile members) and sky coordinates. No lensing here.

As Lenstool's ``f_shape.c`` reads them: a line containing ``#REFERENCE k ra dec`` sets the frame of the
rows after it (k = 0: absolute RA/Dec in degrees; 1: relative arcsec about ``hh:mm:ss dd:mm:ss``; 3:
relative arcsec about ra, dec in degrees); any other line starting with ``#`` is a comment; a row is
``id x y a b theta z mag`` (image and source catalogues) or ``id x y a b theta mag lum`` (members), and a
``#`` after the numbers starts a comment. Without a ``#REFERENCE`` line the rows are absolute RA/Dec, as
in Lenstool (``mult_wcs`` plays no part in reading). Offsets follow Lenstool's relative frame:
x = −(RA − RA0)·cos(DEC0)·3600 (West positive), y = (DEC − DEC0)·3600, arcsec (the ``lenstool``
projection of ``sky_reference.csv``, :mod:`clusterfit.tables.sky`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...tables.sky import lenstool_offsets, lenstool_sky
from .par import LenstoolError, parse_number

__all__ = ["CatalogueRow", "Catalogue", "read_catalogue", "radec_to_xy", "xy_to_radec", "parse_sky",
           "to_offsets"]


@dataclass(frozen=True)
class CatalogueRow:
    """A catalogue line: ``id`` (text), the numeric columns, and its 1-based line number."""

    id: str
    values: tuple[float, ...]
    line: int


@dataclass(frozen=True)
class Catalogue:
    """A Lenstool catalogue. ``reference``: None (absolute RA/Dec) or (ra, dec) in degrees, the centre
    of the rows' relative arcsec; ``extra_columns``: rows that had more numbers than were read."""

    path: Path
    reference: tuple[float, float] | None
    rows: tuple[CatalogueRow, ...]
    extra_columns: int = 0


def parse_sky(kind: int, ra: str, dec: str, file: Path, line: int) -> tuple[float, float]:
    """A Lenstool reference: kind 3 (degrees) or 1 (``hh:mm:ss`` ``±dd:mm:ss``) → (ra, dec) degrees."""
    if kind == 3:
        return parse_number(ra, file, line, "reference RA"), parse_number(dec, file, line, "reference DEC")
    if kind == 1:
        try:
            h, m, s = (float(t) for t in ra.split(":"))
            d, dm, ds = (float(t) for t in dec.split(":"))
        except ValueError:
            raise LenstoolError(file, line, f"reference 1 needs hh:mm:ss and dd:mm:ss, got {ra!r} {dec!r}",
                                "write 'reference 1 22:48:43.97 -44:31:51.2' or 'reference 3 RA DEC' in "
                                "degrees") from None
        sign = -1.0 if dec.strip().startswith("-") else 1.0
        return (h + m / 60 + s / 3600) * 15.0, sign * (abs(d) + dm / 60 + ds / 3600)
    raise LenstoolError(file, line, f"reference {kind} is not supported", "write 'reference 3 RA DEC' "
                        "(decimal degrees) or 'reference 1 hh:mm:ss dd:mm:ss'; 2 (pixels) has no sky frame")


def read_catalogue(path: str | Path, min_columns: int, what: str, max_columns: int = 7) -> Catalogue:
    """Read a catalogue: rows need an id and at least ``min_columns`` numbers (``max_columns`` are kept).

    A short row or a bad number is an error naming the file and line. Only the last ``#REFERENCE`` line
    counts (rows before it too), as all published catalogues put it first."""
    path = Path(path)
    if not path.is_file():
        raise LenstoolError(path, None, f"{what} catalogue not found",
                            "catalogue paths in the .par file are relative to the .par file")
    reference = None
    rows = []
    extra = 0
    for lineno, raw in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        s = raw.strip()
        if "#REFERENCE" in s.upper():
            toks = s[s.upper().index("#REFERENCE") + len("#REFERENCE"):].split()
            if not toks:
                raise LenstoolError(path, lineno, "#REFERENCE needs a kind (0, 1 or 3)",
                                    "write '#REFERENCE 3 ra dec' or '#REFERENCE 0'")
            kind = int(parse_number(toks[0], path, lineno, "#REFERENCE kind"))
            if kind == 0:
                reference = None
            elif len(toks) < 3:
                raise LenstoolError(path, lineno, f"#REFERENCE {kind} needs ra and dec",
                                    "write '#REFERENCE 3 ra dec' (degrees)")
            else:
                reference = parse_sky(kind, toks[1], toks[2], path, lineno)
            continue
        if not s or s.startswith("#"):
            continue
        toks = s.split("#", 1)[0].split()
        if len(toks) < 1 + min_columns:
            raise LenstoolError(path, lineno, f"{what} row has {len(toks)} columns, expected at "
                                f"least {1 + min_columns}", "comment the row out with '#' or "
                                "complete it")
        extra += len(toks) > 1 + max_columns
        vals = tuple(parse_number(t, path, lineno, f"{what} column {j + 2}")
                     for j, t in enumerate(toks[1:1 + max_columns]))
        rows.append(CatalogueRow(toks[0], vals, lineno))
    return Catalogue(path, reference, tuple(rows), extra)


def radec_to_xy(ra: float, dec: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Degrees → Lenstool relative arcsec (x West-positive, y North-positive) about (ra0, dec0): Lenstool's
    flat formula, :func:`clusterfit.tables.sky.lenstool_offsets` (the folder's ``lenstool`` projection)."""
    y, x = lenstool_offsets(ra, dec, ra0, dec0)
    return float(x), float(y)


def xy_to_radec(x: float, y: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Inverse of :func:`radec_to_xy` (:func:`clusterfit.tables.sky.lenstool_sky`)."""
    ra, dec = lenstool_sky(y, x, ra0, dec0)
    return float(ra), float(dec)


def to_offsets(x: float, y: float, cat_ref: tuple[float, float] | None,
               par_ref: tuple[float, float] | None, file: Path, line: int) -> tuple[float, float]:
    """A catalogue position (absolute when ``cat_ref`` is None) as (y, x) arcsec about ``par_ref``; with
    no ``par_ref`` the position is kept as written (Lenstool converts nothing then)."""
    if par_ref is None:  # Lenstool without a reference converts nothing: the rows are its x, y
        return y, x
    if cat_ref is None:
        xx, yy = radec_to_xy(x, y, *par_ref)
        return yy, xx
    if cat_ref == par_ref:
        return y, x
    xx, yy = radec_to_xy(*xy_to_radec(x, y, *cat_ref), *par_ref)
    return yy, xx
