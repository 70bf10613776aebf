"""``sky_reference.csv``: one row, the sky position (RA, Dec in degrees, ICRS) of the folder's origin.

Every ``y, x`` of the folder is an offset in arcsec about this point: the gnomonic (TAN) projection
about (RA0, DEC0), x West positive and y North positive, i.e. x = −ξ·3600, y = η·3600 with (ξ, η) the
standard coordinates in degrees. It is the projection of the FITS maps' WCS (``RA---TAN``,
``DEC--TAN``, CDELT1 < 0), so a map pixel and a table offset name the same sky position exactly. To
first order it is Lenstool's flat formula x = −(RA − RA0)·cos(DEC0)·3600, y = (DEC − DEC0)·3600; the
second-order terms differ by 14 mas in y and 28 mas in x at (100″, 100″) from a reference at
DEC0 = −30° (below the 0.1–0.5″ position errors of cluster images, but not negligible for 1 mas work).

``point_datasets.csv`` and ``scaling_galaxies.csv`` may give ``ra, dec`` (degrees) instead of ``y, x``:
:func:`offsets_from_sky` converts them when the folder is read (the tables are written back with
``y, x``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .csvio import RawRow, RawTable, check_header, format_value, parse_float, render_csv
from .errors import CsvError
from .rows import Source

__all__ = ["SkyReference", "SKY_COLUMNS", "read_sky_reference", "render_sky_reference", "offset_wcs",
           "sky_from_offsets", "offsets_from_sky"]

SKY_COLUMNS = ("ra", "dec")


@dataclass(frozen=True)
class SkyReference:
    """The origin of the folder's arcsec offsets: ``ra``, ``dec`` in degrees (ICRS)."""

    ra: float
    dec: float
    source: Source = field(default=Source("sky_reference.csv"), compare=False)


def read_sky_reference(table: RawTable, errors: list[CsvError]) -> SkyReference | None:
    path = table.path
    check_header(table, SKY_COLUMNS, SKY_COLUMNS, errors, "sky_reference.csv has one row: ra,dec (degrees)",
                 "valid: ra, dec")
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


def offset_wcs(reference: SkyReference | None, pixel_scale: float = 1.0, crpix: tuple[float, float] = (1.0, 1.0)):
    """The TAN :class:`astropy.wcs.WCS` whose 0-based pixel (x/pixel_scale + crpix_x − 1,
    y/pixel_scale + crpix_y − 1) is the offset (y, x) in arcsec: North up, x West (RA increases to the
    left). ``reference=None`` puts the origin at RA = DEC = 0."""
    from astropy.wcs import WCS

    ra0, dec0 = (0.0, 0.0) if reference is None else (reference.ra, reference.dec)
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.crval = [ra0, dec0]
    wcs.wcs.crpix = list(crpix)
    wcs.wcs.cdelt = [-pixel_scale / 3600.0, pixel_scale / 3600.0]
    wcs.wcs.radesys = "ICRS"
    return wcs


def sky_from_offsets(reference: SkyReference, y, x) -> tuple[np.ndarray, np.ndarray]:
    """(RA, Dec) in degrees of the offsets (y, x) in arcsec (module docstring convention)."""
    y, x = np.broadcast_arrays(np.asarray(y, float), np.asarray(x, float))
    ra, dec = offset_wcs(reference).wcs_pix2world(x.ravel(), y.ravel(), 0)
    return np.mod(ra, 360.0).reshape(y.shape), dec.reshape(y.shape)


def _offsets(reference: SkyReference, ra, dec) -> tuple[np.ndarray, np.ndarray]:
    ra, dec = np.broadcast_arrays(np.asarray(ra, float), np.asarray(dec, float))
    x, y = offset_wcs(reference).wcs_world2pix(ra.ravel(), dec.ravel(), 0)
    return y.reshape(ra.shape), x.reshape(ra.shape)


def offsets_from_sky(table: RawTable | None, reference: SkyReference | None,
                     errors: list[CsvError]) -> RawTable | None:
    """``table`` with its ``ra, dec`` columns (degrees) replaced by ``y, x`` offsets (arcsec) about
    ``reference``; unchanged when it has neither. Errors (file, line, column) for a table with both
    ``ra, dec`` and ``y, x``, one of the pair only, no ``sky_reference.csv``, or a bad cell."""
    if table is None:  # unreadable: reported by the reader
        return table
    has = [c for c in SKY_COLUMNS if c in table.header]
    if not has:
        return table
    path = table.path
    if len(has) == 1:
        other = "dec" if has[0] == "ra" else "ra"
        errors.append(CsvError(path, 1, has[0], f"{path.name} has {has[0]!r} but no {other!r}",
                               "give both ra and dec (degrees), or y and x (arcsec)", has[0]))
        return table
    if "y" in table.header or "x" in table.header:
        errors.append(CsvError(path, 1, "ra", f"{path.name} has both ra, dec and y, x",
                               "give each position once: ra, dec (degrees) or y, x (arcsec offsets)"))
        return table
    if reference is None:
        errors.append(CsvError(path, 1, "ra", f"{path.name} gives ra, dec but the folder has no "
                               "sky_reference.csv", "add sky_reference.csv (one row ra,dec in degrees: the "
                               "origin of the offsets), or give y, x in arcsec"))
        return table
    n = len(errors)
    radec = [(parse_float(r, "ra", path, errors, required=True), parse_float(r, "dec", path, errors, required=True))
             for r in table.rows]
    for r, (_ra, dec) in zip(table.rows, radec, strict=True):
        if dec is not None and not -90 < dec < 90:
            errors.append(CsvError(path, r.line, "dec", "dec must be in (-90, 90) degrees",
                                   "write the declination in decimal degrees"))
    if len(errors) > n:
        return table
    y, x = _offsets(reference, [a for a, _ in radec], [d for _, d in radec])
    header = tuple({"ra": "x", "dec": "y"}.get(c, c) for c in table.header)
    rows = []
    for r, yi, xi in zip(table.rows, np.atleast_1d(y), np.atleast_1d(x), strict=True):
        cells = {k: v for k, v in r.cells.items() if k not in SKY_COLUMNS}
        cells["y"], cells["x"] = format_value(float(yi)), format_value(float(xi))
        rows.append(RawRow(r.line, cells))
    return replace(table, header=header, rows=tuple(rows))
