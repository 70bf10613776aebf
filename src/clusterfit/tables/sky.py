"""``sky_reference.csv``: one row, the sky position (RA, Dec in degrees, ICRS) of the folder's origin.

Every ``y, x`` of the folder is an offset in arcsec about this point, with the Lenstool/PyAutoLens
convention x = −(RA − RA0)·cos(DEC0)·3600 (West positive), y = (DEC − DEC0)·3600.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..registry import nearest
from .csvio import RawTable, parse_float, render_csv
from .errors import CsvError
from .rows import Source

__all__ = ["SkyReference", "SKY_COLUMNS", "read_sky_reference", "render_sky_reference"]

SKY_COLUMNS = ("ra", "dec")


@dataclass(frozen=True)
class SkyReference:
    """The origin of the folder's arcsec offsets: ``ra``, ``dec`` in degrees (ICRS)."""

    ra: float
    dec: float
    source: Source = field(default=Source("sky_reference.csv"), compare=False)


def read_sky_reference(table: RawTable, errors: list[CsvError]) -> SkyReference | None:
    path = table.path
    for col in table.header:
        if col not in SKY_COLUMNS:
            hint = nearest(col, SKY_COLUMNS)
            errors.append(CsvError(path, 1, col, f"unknown column {col!r} for sky_reference.csv",
                                   (f"did you mean {hint[0]!r}? " if hint else "") + "valid: ra, dec", col))
    for col in SKY_COLUMNS:
        if col not in table.header:
            errors.append(CsvError(path, 1, col, f"the required column {col!r} is missing",
                                   "sky_reference.csv has one row: ra,dec (degrees)"))
    if not table.rows:
        errors.append(CsvError(path, 1, None, "sky_reference.csv has no row",
                               "write one row: ra,dec in degrees, or delete the file"))
        return None
    if len(table.rows) != 1:
        errors.append(CsvError(path, table.rows[1].line, None, "sky_reference.csv has more than one row",
                               "keep one row: ra,dec"))
    raw = table.rows[0]
    n = len(errors)
    ra = parse_float(raw, "ra", path, errors, required=True) if "ra" in table.header else None
    dec = parse_float(raw, "dec", path, errors, required=True) if "dec" in table.header else None
    if ra is not None and not 0 <= ra < 360:
        errors.append(CsvError(path, raw.line, "ra", "ra must be in [0, 360) degrees",
                               "write the right ascension in decimal degrees"))
    if dec is not None and not -90 < dec < 90:
        errors.append(CsvError(path, raw.line, "dec", "dec must be in (-90, 90) degrees",
                               "write the declination in decimal degrees"))
    if len(errors) > n or ra is None or dec is None:
        return None
    return SkyReference(ra, dec, Source(path.name, raw.line))


def render_sky_reference(reference: SkyReference) -> str:
    return render_csv(SKY_COLUMNS, [[reference.ra, reference.dec]])
