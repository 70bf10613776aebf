"""PyAutoLens's bookkeeping cells on dPIE/NFW rows: what they must hold, stale ones, the fix.

``dPIEMass``, ``dPIEMassSph`` and ``NFWMCRLudlowSph`` take ``redshift_object`` and ``redshift_source``
(dPIE also ``H0`` and ``Om0``) in PyAutoLens and fold them into their normalisation when constructed,
while PyAutoLens's multi-plane tracer treats every profile's deflection as the one to its **last** plane.
So PyAutoLens's own readers (``al.galaxy_models_from_csv`` → ``al.galaxies_from_csv_tables`` →
``al.Tracer(cosmology=al.cosmo.FlatLambdaCDM(H0, Om0))``) build our lens only when

* ``redshift_object`` = the galaxy's redshift,
* ``redshift_source`` = the last plane: the highest redshift of any galaxy, source or tier,
* ``H0``, ``Om0`` = ``cosmology.csv`` (or the default cosmology).

Our physics never reads these cells (the tracer derives distance ratios from the planes). Every table
clusterfit writes carries them filled (:func:`with_bookkeeping`). A filled cell that differs is a
``validate`` finding (:func:`stale_bookkeeping`) and a warning on load, not a load error (our physics does
not use it; the next save rewrites it); :func:`fix_bookkeeping` rewrites the cells of ``mass.csv`` in
place (``clusterfit validate --fix``), every other cell left as written.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .csvio import format_value
from .errors import CsvError

if TYPE_CHECKING:  # pragma: no cover
    from .model import ClusterModel
    from .rows import ProfileRow

__all__ = ["BOOKKEEPING_COLUMNS", "BookkeepingCell", "StaleBookkeepingWarning", "last_plane_redshift",
           "expected_bookkeeping", "with_bookkeeping", "bookkeeping_cells", "stale_bookkeeping",
           "warn_stale_bookkeeping"]

BOOKKEEPING_COLUMNS = ("redshift_object", "redshift_source", "H0", "Om0")
_FIX = "write {v}, or run `clusterfit validate --fix FOLDER` (it rewrites only these cells)"


@dataclass(frozen=True)
class BookkeepingCell:
    """A bookkeeping cell of ``mass.csv`` that does not hold what PyAutoLens needs.

    ``found`` is ``None`` for an empty or absent cell (PyAutoLens then uses its default)."""

    line: int | None
    column: str
    galaxy: str
    attr_name: str
    profile_class: str
    found: float | None
    expected: float

    @property
    def stale(self) -> bool:
        return self.found is not None


def last_plane_redshift(model: ClusterModel) -> float | None:
    """The redshift of the last plane of our tracer (and of PyAutoLens's): the highest redshift of a
    ``mass``/``light``/``point`` row, a ``point_datasets.csv`` source or a tier with members."""
    zs = [r.redshift for r in model.profiles] + [im.redshift for im in model.point_images]
    zs += [r.redshift for r in model.scaling_relations if model.tier_members(r.tier)]
    zs = [z for z in zs if z is not None]
    return max(zs) if zs else None


def expected_bookkeeping(model: ClusterModel, row: ProfileRow, z_last: float | None = None,
                         galaxies: dict | None = None) -> dict[str, float]:
    """The bookkeeping cells ``row`` must hold for PyAutoLens (only those its class has, and only
    those the folder determines: none without redshifts). ``z_last`` and ``galaxies`` (``model.galaxies``)
    may be passed when known."""
    names = {p.name for p in row.spec.parameters if p.bookkeeping}
    if not names:
        return {}
    z_last = last_plane_redshift(model) if z_last is None else z_last
    z_gal = (model.galaxies if galaxies is None else galaxies)[row.galaxy].redshift
    values = {"redshift_object": z_gal, "redshift_source": z_last,
              "H0": model.cosmology.H0, "Om0": model.cosmology.Om0}
    return {c: float(values[c]) for c in BOOKKEEPING_COLUMNS if c in names and values[c] is not None}


def with_bookkeeping(model: ClusterModel) -> ClusterModel:
    """``model`` with every dPIE/NFW row's bookkeeping cells set to :func:`expected_bookkeeping`."""
    z_last, galaxies = last_plane_redshift(model), model.galaxies
    mass = []
    for row in model.mass:
        want = expected_bookkeeping(model, row, z_last, galaxies)
        if want and any(row.values.get(c) != v for c, v in want.items()):
            values = {**row.values, **want}
            row = replace(row, values={c: values[c] for c in row.spec.columns if c in values})
        mass.append(row)
    return model.replace(mass=tuple(mass))


def bookkeeping_cells(model: ClusterModel) -> list[BookkeepingCell]:
    """Every bookkeeping cell of ``mass.csv`` that is empty, absent or stale, in file order."""
    z_last, galaxies = last_plane_redshift(model), model.galaxies
    out = []
    for row in model.mass:
        for col, want in expected_bookkeeping(model, row, z_last, galaxies).items():
            found = row.values.get(col)
            if found != want:
                out.append(BookkeepingCell(row.source.line, col, row.galaxy, row.attr_name,
                                           row.profile_class, found, want))
    return out


def _consequence(cell: BookkeepingCell, model: ClusterModel) -> str:
    what = f"{cell.galaxy}.{cell.attr_name} ({cell.profile_class})"
    if cell.column == "redshift_source":
        return (f"{cell.column} is {cell.found!r} but the last plane is z = {cell.expected!r}: PyAutoLens "
                f"folds it into {what}'s normalisation and takes every deflection as the one to the last "
                "plane, so there this profile deflects by the wrong D_ls/D_s and the images no longer trace "
                "to one source (clusterfit does not use the cell)")
    if cell.column == "redshift_object":
        return (f"{cell.column} is {cell.found!r} but galaxy {cell.galaxy!r} is at z = {cell.expected!r}: "
                f"PyAutoLens converts {what}'s parameters with the distances of redshift_object, so there "
                "this profile has another mass (clusterfit does not use the cell)")
    return (f"{cell.column} is {cell.found!r} but the model cosmology has {cell.expected!r} "
            f"({model.cosmology.source}): PyAutoLens builds {what}'s normalisation with the cell's "
            "cosmology, not the tracer's, so there its deflections differ (clusterfit does not use the cell)")


class StaleBookkeepingWarning(UserWarning):
    """A loaded folder's bookkeeping cells disagree with it: PyAutoLens would read another lens."""


def stale_bookkeeping(model: ClusterModel) -> list[CsvError]:
    """A ``validate`` finding for every filled bookkeeping cell that differs from what the folder implies."""
    return [CsvError("mass.csv", c.line, c.column, _consequence(c, model),
                     _FIX.format(v=format_value(c.expected)), format_value(c.found))
            for c in bookkeeping_cells(model) if c.stale]


def warn_stale_bookkeeping(model: ClusterModel) -> None:
    """One :class:`StaleBookkeepingWarning` naming the first stale cell, if any (the load goes on: our
    physics does not read them, and the next save rewrites them)."""
    stale = [c for c in bookkeeping_cells(model) if c.stale]
    if stale:
        c = stale[0]
        warnings.warn(f"mass.csv:{c.line} column {c.column!r} is {c.found!r} but the folder implies "
                      f"{c.expected!r} ({len(stale)} such PyAutoLens bookkeeping cell{'s' if len(stale) > 1 else ''}"
                      "): clusterfit does not use them, but PyAutoLens would read another lens; "
                      "`clusterfit validate FOLDER` explains, `--fix` (or the next save) rewrites them",
                      StaleBookkeepingWarning, stacklevel=3)
