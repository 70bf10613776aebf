"""``sky_reference.csv``: one row, the sky position (RA, Dec in degrees, ICRS) of the folder's origin and
the projection that turns sky positions into the folder's arcsec offsets ``y, x`` (x West positive, y
North positive). Every conversion of a folder between RA/Dec and offsets (``ra, dec`` input columns,
RA/Dec in reports and ``--json``, DS9 region files, map pixels) goes through :func:`sky_from_offsets` and
:func:`offsets_from_sky_positions`, which honour the ``projection`` column:

* ``TAN`` (default): the gnomonic projection about (RA0, DEC0), x = −ξ·3600, y = η·3600 with (ξ, η) the
  standard coordinates in degrees (astropy's WCS): the projection of the FITS maps' WCS (``RA---TAN``,
  ``DEC--TAN``, CDELT1 < 0).
* ``lenstool``: Lenstool's flat formula x = −(RA − RA0)·cos(DEC0)·3600 (ΔRA wrapped into [−180°, 180°]),
  y = (DEC − DEC0)·3600, as Lenstool converts every catalogue (``f_shape.c``: ``convertXY`` and the
  ``M.iref`` branch of ``f_shape``). ``import-lenstool`` writes it, so a Lenstool model's offsets keep
  the sky positions of its catalogues exactly.

The two differ at second order: 14 mas in y and 28 mas in x at (100″, 100″) from a reference at
DEC0 = −30°. The maps keep a TAN WCS (as Lenstool's own ``wrf_fits_abs`` FITS maps do); their pixels are
evaluated at :func:`folder_offsets_of_tan` of the pixel centres, so a pixel and its RA/Dec agree in both
conventions.

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

__all__ = ["SkyReference", "SKY_COLUMNS", "REFERENCE_COLUMNS", "PROJECTIONS", "read_sky_reference",
           "render_sky_reference", "offset_wcs", "sky_from_offsets", "offsets_from_sky_positions",
           "folder_offsets_of_tan", "lenstool_offsets", "lenstool_sky", "offsets_from_sky"]

SKY_COLUMNS = ("ra", "dec")  # the position columns of point_datasets.csv and scaling_galaxies.csv
REFERENCE_COLUMNS = ("ra", "dec", "projection")  # sky_reference.csv
PROJECTIONS = ("TAN", "lenstool")


@dataclass(frozen=True)
class SkyReference:
    """The origin of the folder's arcsec offsets: ``ra``, ``dec`` in degrees (ICRS), and the
    ``projection`` between sky positions and offsets (``"TAN"`` or ``"lenstool"``, module docstring)."""

    ra: float
    dec: float
    projection: str = "TAN"
    source: Source = field(default=Source("sky_reference.csv"), compare=False)

    def __post_init__(self):
        if self.projection not in PROJECTIONS:
            raise ValueError(f"projection {self.projection!r} is not one of {', '.join(PROJECTIONS)}")


def read_sky_reference(table: RawTable, errors: list[CsvError]) -> SkyReference | None:
    path = table.path
    check_header(table, SKY_COLUMNS, REFERENCE_COLUMNS, errors,
                 "sky_reference.csv has one row: ra,dec (degrees) and optionally projection",
                 "valid: ra, dec, projection")
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
    cell = raw.cells.get("projection", "").strip()
    projection = {p.lower(): p for p in PROJECTIONS}.get(cell.lower() or "tan")
    if projection is None:
        errors.append(CsvError(path, raw.line, "projection", f"projection {cell!r} is not known",
                               "write TAN (gnomonic, the default) or lenstool (Lenstool's flat formula)"))
    if len(errors) > n or ra is None or dec is None or projection is None:
        return None
    return SkyReference(ra, dec, projection, Source(path.name, raw.line))


def render_sky_reference(reference: SkyReference) -> str:
    """``ra,dec`` (and ``projection`` when it is not the default TAN)."""
    if reference.projection == "TAN":
        return render_csv(SKY_COLUMNS, [[reference.ra, reference.dec]])
    return render_csv(REFERENCE_COLUMNS, [[reference.ra, reference.dec, reference.projection]])


def offset_wcs(reference: SkyReference | None, pixel_scale: float = 1.0, crpix: tuple[float, float] = (1.0, 1.0)):
    """The TAN :class:`astropy.wcs.WCS` whose 0-based pixel (x/pixel_scale + crpix_x − 1,
    y/pixel_scale + crpix_y − 1) is the TAN offset (y, x) in arcsec: North up, x West (RA increases to
    the left). ``reference=None`` puts the origin at RA = DEC = 0. Always TAN, whatever the reference's
    projection: it is the WCS of the maps (:func:`folder_offsets_of_tan` places their pixels)."""
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


def lenstool_offsets(ra, dec, ra0: float, dec0: float) -> tuple[np.ndarray, np.ndarray]:
    """Lenstool's flat formula, degrees → (y, x) arcsec about (ra0, dec0): x = −ΔRA·cos(dec0)·3600 with
    ΔRA wrapped into [−180°, 180°], y = (dec − dec0)·3600. Written out by hand (no library implements it)
    because it is what Lenstool does to every catalogue row: ``f_shape.c`` (lenstoolchi, ``f_shape`` after
    ``convertXY``) subtracts ``M.ref_ra``, wraps into ±180, multiplies by ``-3600*cos(M.ref_dec*DTR)``."""
    ra, dec = np.broadcast_arrays(np.asarray(ra, float), np.asarray(dec, float))
    dra = np.mod(ra - ra0 + 180.0, 360.0) - 180.0
    return (dec - dec0) * 3600.0, -dra * np.cos(np.radians(dec0)) * 3600.0


def lenstool_sky(y, x, ra0: float, dec0: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lenstool_offsets` (Lenstool's ``convertXY``): (RA in [0, 360), Dec) degrees."""
    y, x = np.broadcast_arrays(np.asarray(y, float), np.asarray(x, float))
    return np.mod(ra0 - x / (3600.0 * np.cos(np.radians(dec0))), 360.0), dec0 + y / 3600.0


def _tan_sky(reference: SkyReference | None, y, x) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.broadcast_arrays(np.asarray(y, float), np.asarray(x, float))
    ra, dec = offset_wcs(reference).wcs_pix2world(x.ravel(), y.ravel(), 0)
    return np.mod(ra, 360.0).reshape(y.shape), dec.reshape(y.shape)


def _tan_offsets(reference: SkyReference | None, ra, dec) -> tuple[np.ndarray, np.ndarray]:
    ra, dec = np.broadcast_arrays(np.asarray(ra, float), np.asarray(dec, float))
    x, y = offset_wcs(reference).wcs_world2pix(ra.ravel(), dec.ravel(), 0)
    return y.reshape(ra.shape), x.reshape(ra.shape)


def sky_from_offsets(reference: SkyReference, y, x) -> tuple[np.ndarray, np.ndarray]:
    """(RA, Dec) in degrees of the folder offsets (y, x) in arcsec, in the reference's projection."""
    if reference.projection == "lenstool":
        return lenstool_sky(y, x, reference.ra, reference.dec)
    return _tan_sky(reference, y, x)


def offsets_from_sky_positions(reference: SkyReference, ra, dec) -> tuple[np.ndarray, np.ndarray]:
    """Folder offsets (y, x) in arcsec of (RA, Dec) in degrees: the inverse of :func:`sky_from_offsets`."""
    if reference.projection == "lenstool":
        return lenstool_offsets(ra, dec, reference.ra, reference.dec)
    return _tan_offsets(reference, ra, dec)


def folder_offsets_of_tan(reference: SkyReference | None, y, x) -> tuple[np.ndarray, np.ndarray]:
    """The folder offsets of TAN offsets (y, x) (a pixel centre of a map's :func:`offset_wcs`): the
    identity for a TAN folder (or none), else the folder offsets of the TAN position's RA/Dec."""
    if reference is None or reference.projection == "TAN":
        return np.asarray(y, float), np.asarray(x, float)
    return offsets_from_sky_positions(reference, *_tan_sky(reference, y, x))


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
    y, x = offsets_from_sky_positions(reference, [a for a, _ in radec], [d for _, d in radec])
    header = tuple({"ra": "x", "dec": "y"}.get(c, c) for c in table.header)
    rows = []
    for r, yi, xi in zip(table.rows, np.atleast_1d(y), np.atleast_1d(x), strict=True):
        cells = {k: v for k, v in r.cells.items() if k not in SKY_COLUMNS}
        cells["y"], cells["x"] = format_value(float(yi)), format_value(float(xi))
        rows.append(RawRow(r.line, cells))
    return replace(table, header=header, rows=tuple(rows))
