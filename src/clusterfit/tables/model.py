"""The model folder as one object: ``load_model``, ``save_model``, ``validate_folder``.

Python objects are views of rows, never a second source of truth: :class:`ClusterModel` holds the
typed rows of every table, and ``galaxies`` joins the families by galaxy name.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..output import write_files_atomic
from ..registry import FAMILIES, Family
from .bookkeeping import bookkeeping_cells, stale_bookkeeping, warn_stale_bookkeeping
from .checks import cross_table_checks
from .cosmology import DEFAULT_COSMOLOGY, CosmologyRow, read_cosmology
from .csvio import UnreadableTable, read_raw
from .datasets import group_datasets, read_point_datasets
from .errors import CsvError, CsvErrors, CsvWarning
from .free import FreeParameter, resolve_free_parameters
from .priors import read_priors
from .profiles import FAMILY_FILES, read_profiles
from .render import render_model
from .rows import (
    PointDataset,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
)
from .scaling import (
    read_scaling_galaxies,
    read_scaling_relations,
)
from .sky import SkyReference, offsets_from_sky, read_sky_reference

__all__ = ["ClusterModel", "Galaxy", "TABLE_FILES", "load_model", "save_model", "validate_folder",
           "model_errors", "MembersWithoutTierWarning", "render_model"]

TABLE_FILES = (
    "point_datasets.csv", "mass.csv", "light.csv", "point.csv", "scaling_galaxies.csv",
    "scaling_relations.csv", "priors.csv", "cosmology.csv", "sky_reference.csv",
)


@dataclass(frozen=True)
class Galaxy:
    """A galaxy: its rows across the families, joined by name. ``galaxy.mass`` is the row whose
    ``attr_name`` is ``mass``; ``galaxy.profiles`` maps every attr_name to its row."""

    name: str
    redshift: float | None
    profiles: dict[str, ProfileRow]

    def __getattr__(self, attr: str) -> ProfileRow:
        if attr.startswith("_") or attr in ("name", "redshift", "profiles"):
            raise AttributeError(attr)
        try:
            return self.profiles[attr]
        except KeyError:
            raise AttributeError(f"galaxy {self.name!r} has no profile {attr!r}; it has "
                                 f"{', '.join(self.profiles)}") from None

    def __repr__(self) -> str:
        z = "z=?" if self.redshift is None else f"z={self.redshift:g}"
        inner = "; ".join(f"{a}={r!r}" for a, r in self.profiles.items())
        return f"Galaxy({self.name!r}, {z}: {inner})"


@dataclass(frozen=True)
class ClusterModel:
    """Every table of a model folder as typed, frozen rows (docs/csv_format.md)."""

    mass: tuple[ProfileRow, ...] = ()
    light: tuple[ProfileRow, ...] = ()
    point: tuple[ProfileRow, ...] = ()
    point_images: tuple[PointImage, ...] = ()
    scaling_galaxies: tuple[ScalingGalaxy, ...] = ()
    scaling_relations: tuple[ScalingRelation, ...] = ()
    priors: tuple[PriorRow, ...] = ()
    cosmology: CosmologyRow = DEFAULT_COSMOLOGY
    sky_reference: SkyReference | None = None  # origin of the y, x offsets (sky_reference.csv)
    folder: Path | None = field(default=None, compare=False)

    def family(self, family: Family) -> tuple[ProfileRow, ...]:
        return getattr(self, family)

    @property
    def profiles(self) -> tuple[ProfileRow, ...]:
        return self.mass + self.light + self.point

    @property
    def galaxies(self) -> dict[str, Galaxy]:
        by_name: dict[str, dict[str, ProfileRow]] = {}
        redshifts: dict[str, float | None] = {}
        for row in self.profiles:
            by_name.setdefault(row.galaxy, {})[row.attr_name] = row
            if row.redshift is not None:
                redshifts.setdefault(row.galaxy, row.redshift)
        return {g: Galaxy(g, redshifts.get(g), rows) for g, rows in by_name.items()}

    @property
    def point_datasets(self) -> list[PointDataset]:
        return group_datasets(list(self.point_images))

    @property
    def free_parameters(self) -> list[FreeParameter]:
        errors: list[CsvError] = []
        free = resolve_free_parameters(list(self.priors), list(self.profiles),
                                       list(self.scaling_relations), errors)
        if errors:
            raise CsvErrors(errors)
        return free

    def tier_members(self, tier: str) -> list[ScalingGalaxy]:
        """Members of ``tier``; without a ``tier`` column every member belongs to the single tier."""
        if len(self.scaling_relations) == 1 and all(m.tier is None for m in self.scaling_galaxies):
            return list(self.scaling_galaxies)
        return [m for m in self.scaling_galaxies if m.tier == tier]

    def replace(self, **changes) -> ClusterModel:
        return replace(self, **changes)

    def summary(self) -> str:
        from .display import summary_text

        return summary_text(self)

    def __iter__(self) -> Iterator[ProfileRow]:
        return iter(self.profiles)

    def to_dataframes(self) -> dict:
        """Every non-empty table as a pandas ``DataFrame``, keyed by table name (``"mass"``, ...).

        The frames are read from the exact text :func:`save_model` would write (same headers, same
        column order, floats parsed with round-trip precision); empty cells are ``NaN``. They are
        copies for analysis: edit the CSV files (or the rows) to change the model. Needs pandas
        (``pip install clusterfit[pandas]``), imported only here.
        """
        import io

        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the dev extras
            raise ImportError("ClusterModel.to_dataframes needs pandas: "
                              "pip install 'clusterfit[pandas]'") from exc
        return {name.removesuffix(".csv"): pd.read_csv(io.StringIO(text), float_precision="round_trip")
                for name, text in render_model(self).items()}

    def __rich__(self):
        """``rich.print(model)``: every table (as written) and the summary."""
        from rich.console import Group
        from rich.text import Text

        from .display import csv_table, summary_text

        return Group(*(csv_table(n, t) for n, t in render_model(self).items()),
                     Text(summary_text(self)))


def _read_folder(folder: Path) -> tuple[ClusterModel, list[CsvError], list[CsvWarning]]:
    folder = Path(folder)
    errors: list[CsvError] = []
    warnings: list[CsvWarning] = []
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; a model is a folder of CSV tables "
                                f"({', '.join(TABLE_FILES)})")
    stray = sorted(p.name for p in folder.glob("*.csv") if p.name not in TABLE_FILES)
    tables = {}
    for name in TABLE_FILES:
        path = folder / name
        if path.exists():
            tables[name] = read_raw(path, errors)
    for name in stray:
        from ..registry import nearest

        near = nearest(name, TABLE_FILES, cutoff=0.85)
        if near:  # a misspelt table name would be silently ignored otherwise
            errors.append(CsvError(folder / name, None, None, f"unknown table {name!r}",
                                   f"did you mean {near[0]!r}? clusterfit reads {', '.join(TABLE_FILES)}"))
    kw = {}
    if (raw := tables.get("sky_reference.csv")) and (sky := read_sky_reference(raw, errors)):
        kw["sky_reference"] = sky
    for name in ("point_datasets.csv", "scaling_galaxies.csv"):  # ra, dec → y, x about the reference
        if name in tables:
            tables[name] = offsets_from_sky(tables[name], kw.get("sky_reference"), errors)
    for fam in FAMILIES:
        raw = tables.get(FAMILY_FILES[fam])
        kw[fam] = tuple(read_profiles(raw, fam, errors)) if raw else ()
    if raw := tables.get("point_datasets.csv"):
        kw["point_images"] = tuple(read_point_datasets(raw, errors))
    if raw := tables.get("scaling_galaxies.csv"):
        kw["scaling_galaxies"] = tuple(read_scaling_galaxies(raw, errors))
    if raw := tables.get("scaling_relations.csv"):
        kw["scaling_relations"] = tuple(read_scaling_relations(raw, errors))
    if raw := tables.get("priors.csv"):
        kw["priors"] = tuple(read_priors(raw, errors))
    if raw := tables.get("cosmology.csv"):
        cosmo = read_cosmology(raw, errors)
        if cosmo is not None:
            kw["cosmology"] = cosmo
    model = ClusterModel(folder=folder, **kw)
    if not any(isinstance(e, UnreadableTable) for e in errors):  # it would cascade into the others
        errors += model_errors(model, already=errors, warnings=warnings)
    return model, errors, warnings


def model_errors(model: ClusterModel, already: list[CsvError] = (),
                 warnings: list[CsvWarning] | None = None) -> list[CsvError]:
    """Problems that join tables: redshifts, bookkeeping columns, priors, missing values, tiers, and
    :func:`.checks.cross_table_checks` (whose warnings go to ``warnings`` when given).

    Cells in ``already`` (reported while reading) are not reported again as missing."""
    errors: list[CsvError] = []
    reported = {(e.file, e.line, e.column) for e in already}
    _check_redshifts(model, errors)
    free = resolve_free_parameters(list(model.priors), list(model.profiles),
                                   list(model.scaling_relations), errors)
    free_keys = {(f.table, f.galaxy, f.attr_name, f.column) for f in free}
    for row in model.profiles:
        for col, v in row.values.items():
            p = row.spec.column_to_parameter()[col][0]
            if (v is None and not p.bookkeeping and (row.family, *row.key, col) not in free_keys
                    and (FAMILY_FILES[row.family], row.source.line, col) not in reported):
                errors.append(CsvError(
                    FAMILY_FILES[row.family], row.source.line, col,
                    f"{row.galaxy}.{row.attr_name} ({row.profile_class}) has no value for {col!r}",
                    "write a value, or make it free with a row in priors.csv"))
    _check_tiers(model, free_keys, errors)
    if not errors and not already:  # the cross-table checks assume tables that read and join
        cross_table_checks(model, free, errors, [] if warnings is None else warnings)
    return errors


def _check_redshifts(model: ClusterModel, errors: list[CsvError]) -> None:
    first: dict[str, ProfileRow] = {}
    for row in model.profiles:
        if row.redshift is None:
            continue
        seen = first.setdefault(row.galaxy, row)
        if seen.redshift != row.redshift:
            errors.append(CsvError(
                FAMILY_FILES[row.family], row.source.line, "redshift",
                f"galaxy {row.galaxy!r} has redshift {row.redshift!r} here but {seen.redshift!r} "
                f"at {seen.source}", "one galaxy has one redshift: write the same value in every row"))
    reported = set()
    for row in model.mass + model.point:
        if row.galaxy not in first and row.galaxy not in reported:
            reported.add(row.galaxy)
            errors.append(CsvError(
                FAMILY_FILES[row.family], row.source.line, "redshift",
                f"galaxy {row.galaxy!r} has no redshift", "write its redshift in the redshift column"))
    points = {r.attr_name: r for r in model.point}
    for ds in model.point_datasets:
        row = points.get(ds.name)
        if row is None or ds.redshift is None or row.galaxy not in first:
            continue
        z = first[row.galaxy].redshift
        if z != ds.redshift:
            errors.append(CsvError(
                "point_datasets.csv", ds.images[0].source.line, "redshift",
                f"source {ds.name!r} has redshift {ds.redshift!r} but its galaxy {row.galaxy!r} has "
                f"{z!r} ({first[row.galaxy].source})", "make the two redshifts equal"))


class MembersWithoutTierWarning(UserWarning):
    """``scaling_galaxies.csv`` without ``scaling_relations.csv``: the members are kept and written back
    but carry no mass (PyAutoLens folders give their members mass in the script, not in a table)."""


def _check_tiers(model: ClusterModel, free_keys: set, errors: list[CsvError]) -> None:
    tiers = {r.tier: r for r in model.scaling_relations}
    if model.scaling_galaxies and not tiers:
        # a PyAutoLens folder: its members get their mass in the modelling script, not in a table
        warnings.warn(f"scaling_galaxies.csv: {len(model.scaling_galaxies)} members are kept but carry no "
                      "mass: no scaling_relations.csv gives them a tier (add one row per tier, "
                      "docs/csv_format.md)", MembersWithoutTierWarning, stacklevel=2)
        return
    has_tier_col = any(m.tier is not None for m in model.scaling_galaxies)
    if not has_tier_col and len(tiers) > 1:
        errors.append(CsvError("scaling_galaxies.csv", 1, "tier",
                               f"there are {len(tiers)} tiers but members name none",
                               "add a tier column naming each member's tier"))
    for m in model.scaling_galaxies:
        if has_tier_col and m.tier not in tiers:
            errors.append(CsvError("scaling_galaxies.csv", m.source.line, "tier",
                                   f"tier {m.tier!r} is not in scaling_relations.csv",
                                   f"valid tiers: {', '.join(tiers)}"))
    for rel in model.scaling_relations:
        members = model.tier_members(rel.tier)
        member_cols = set().union(*(m.extra for m in members)) if members else set()
        for p in rel.spec.physical_parameters:
            for col in p.columns:
                if col in ("y", "x"):
                    continue
                ref = f"{col}_ref"
                given = rel.values.get(col) is not None or rel.values.get(ref) is not None
                free = ("scaling_relations", rel.tier, "scaling", col) in free_keys or \
                    ("scaling_relations", rel.tier, "scaling", ref) in free_keys
                if not (given or free or col in member_cols):
                    errors.append(CsvError(
                        "scaling_relations.csv", rel.source.line, ref,
                        f"tier {rel.tier!r} ({rel.profile_class}) gives no value for {col!r}",
                        f"write {ref} (and {col}_exponent) for a scaled parameter, {col} for one "
                        f"shared by all members, or a {col} column in scaling_galaxies.csv"))
        if rel.redshift is None:
            errors.append(CsvError("scaling_relations.csv", rel.source.line, "redshift",
                                   f"tier {rel.tier!r} has no redshift", "write the cluster redshift"))


def validate_folder(folder: str | Path, warnings: list[CsvWarning] | None = None,
                    empty_bookkeeping: list | None = None) -> list[CsvError]:
    """Every problem in the folder (empty list when it is valid), PyAutoLens bookkeeping cells that
    disagree with the folder included (those alone do not stop :func:`load_model`: we do not use them);
    its warnings are appended to ``warnings`` when given, and its empty bookkeeping cells (not wrong;
    :func:`.bookkeeping.bookkeeping_cells`) to ``empty_bookkeeping``."""
    model, errors, found = _read_folder(Path(folder))
    if warnings is not None:
        warnings += found
    if empty_bookkeeping is not None:
        empty_bookkeeping += [c for c in bookkeeping_cells(model) if not c.stale]
    return errors + stale_bookkeeping(model)


def load_model(folder: str | Path) -> ClusterModel:
    """Read and check every table of ``folder`` (the same checks as ``validate``); raise
    :class:`CsvErrors` listing all problems, and issue each warning with :func:`warnings.warn`."""
    import warnings as _warnings

    model, errors, found = _read_folder(Path(folder))
    if errors:
        raise CsvErrors(errors)
    for w in found:
        _warnings.warn(w, stacklevel=2)
    warn_stale_bookkeeping(model)
    return model


def save_model(model: ClusterModel, folder: str | Path) -> Path:
    """Write every table of ``model`` into ``folder`` atomically (temporary files, then rename).

    Every file's text is rendered before anything is written, so an error leaves the old files intact.
    Known tables that the model does not have are removed, so the folder loads back as ``model``.
    """
    folder = Path(folder)
    contents = render_model(model)
    write_files_atomic(folder, contents, remove=[f for f in TABLE_FILES if f not in contents])
    return folder
