"""Checks that join tables, run by ``validate`` and ``load_model`` alike (one list, one place).

Errors: priors outside their parameter's domain or excluding the table's own value, redshift order (a
source in front of every lens, a lens behind every source), duplicated images, galaxy names that differ
only by look-alike Unicode letters, per-member columns that collide with their tier's relation, tier
members without the magnitudes or values their relation needs. Warnings (exit 0): a system with one
image, a name mixing scripts.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable

from ..registry import MAG_DOMAIN, get_spec
from .core_inside_cut import check_core_inside_cut
from .domains import (
    constraint_errors,
    domain_error,
    parameter_domain,
    prior_domain_errors,
    wrap_into,
)
from .errors import CsvError, CsvWarning
from .free import COSMOLOGY, FreeParameter
from .profiles import FAMILY_FILES
from .rows import REDSHIFT
from .scaling import luminosity_ratios

__all__ = ["cross_table_checks", "name_skeleton"]


def cross_table_checks(model, free: list[FreeParameter], errors: list[CsvError],
                       warnings: list[CsvWarning]) -> None:
    """Append every cross-table problem of ``model`` (a ``ClusterModel``) to ``errors``/``warnings``."""
    _check_priors(model, free, errors)
    check_core_inside_cut(model, free, errors)
    _check_redshift_order(model, errors)
    _check_images(model, errors, warnings)
    _check_names(model, errors, warnings)
    _check_members(model, free, errors)


# --- priors ---------------------------------------------------------------------------------------

def _profile_class(model, fp: FreeParameter) -> str | None:
    if fp.table == "scaling_relations":
        rel = next((r for r in model.scaling_relations if r.tier == fp.galaxy), None)
        return None if rel is None else rel.profile_class
    if fp.table in (REDSHIFT, COSMOLOGY):
        return None
    row = next((r for r in model.family(fp.table) if r.key == (fp.galaxy, fp.attr_name)), None)
    return None if row is None else row.profile_class


def _value_cell(model, fp: FreeParameter) -> tuple[str, int | None, str, float | None]:
    """(file, line, column, value) of the table cell a free parameter starts from."""
    if fp.table == COSMOLOGY:
        return "cosmology.csv", model.cosmology.source.line, "H0", model.cosmology.H0
    if fp.table == REDSHIFT:
        row = next(r for r in model.point if r.galaxy == fp.galaxy)
        return FAMILY_FILES["point"], row.source.line, "redshift", row.redshift
    if fp.table == "scaling_relations":
        rel = next(r for r in model.scaling_relations if r.tier == fp.galaxy)
        return "scaling_relations.csv", rel.source.line, fp.column, rel.values.get(fp.column)
    row = next(r for r in model.family(fp.table) if r.key == (fp.galaxy, fp.attr_name))
    return FAMILY_FILES[row.family], row.source.line, fp.column, row.values.get(fp.column)


def _check_priors(model, free: list[FreeParameter], errors: list[CsvError]) -> None:
    reported: set[tuple[int | None, str]] = set()
    for fp in free:
        prior = fp.prior
        domain, _ = parameter_domain(fp.table, _profile_class(model, fp), fp.column)
        for e in prior_domain_errors(prior, domain, fp.column):
            if (e.line, e.column) not in reported:  # a wildcard row is reported once
                reported.add((e.line, e.column))
                errors.append(e)
        if prior.prior == "Gaussian" and prior.lower is None and prior.upper is None:
            continue
        lo = float("-inf") if prior.lower is None else prior.lower
        hi = float("inf") if prior.upper is None else prior.upper
        file, line, column, value = _value_cell(model, fp)
        if value is None or lo >= hi or wrap_into(value, domain, lo, hi) is not None:
            continue
        turn = f" (nor is any turn of {domain.period:g}°)" if domain.period else ""
        errors.append(CsvError(
            file, line, column,
            f"{fp.name} = {value:.10g} is outside its prior {prior.describe()} ({prior.source}){turn}",
            "the table value is the start of a fit and the truth of simulate: move it inside the prior, "
            "widen the prior, or empty the cell to start from the prior"))


# --- redshifts --------------------------------------------------------------------------------------

def _check_redshift_order(model, errors: list[CsvError]) -> None:
    """Every source behind some lens; every lens in front of some source."""
    galaxies = model.galaxies
    lenses = [(galaxies[r.galaxy].redshift, FAMILY_FILES["mass"], r.source.line, f"lens {r.galaxy!r}")
              for r in model.mass if galaxies[r.galaxy].redshift is not None]
    lenses += [(r.redshift, "scaling_relations.csv", r.source.line, f"tier {r.tier!r}")
               for r in model.scaling_relations if r.redshift is not None and model.tier_members(r.tier)]
    sources = [(galaxies[r.galaxy].redshift, FAMILY_FILES["point"], r.source.line, f"source {r.attr_name!r}")
               for r in model.point if galaxies[r.galaxy].redshift is not None]
    named = {r.attr_name for r in model.point}
    sources += [(ds.redshift, "point_datasets.csv", ds.images[0].source.line, f"source {ds.name!r}")
                for ds in model.point_datasets if ds.redshift is not None and ds.name not in named]
    if not lenses or not sources:
        return
    z_front = min(z for z, *_ in lenses)
    z_back = max(z for z, *_ in sources)
    for z, file, line, what in sources:
        if z <= z_front:
            errors.append(CsvError(file, line, "redshift",
                                   f"{what} at z = {z:g} is not behind any lens (the nearest lens plane "
                                   f"is at z = {z_front:g}): nothing lenses it",
                                   "a source must be behind the cluster: check this redshift and the "
                                   "lens redshifts"))
    for z, file, line, what in lenses:
        if z >= z_back:
            errors.append(CsvError(file, line, "redshift",
                                   f"{what} at z = {z:g} is behind every source (the farthest is at "
                                   f"z = {z_back:g}): it lenses nothing",
                                   "a lens must be in front of its sources: check this redshift and the "
                                   "source redshifts"))


# --- images -----------------------------------------------------------------------------------------

def _check_images(model, errors: list[CsvError], warnings: list[CsvWarning]) -> None:
    point_names = {r.attr_name for r in model.point}
    galaxies = model.galaxies
    point_z = {r.attr_name: galaxies[r.galaxy].redshift for r in model.point}
    for ds in model.point_datasets:
        first = ds.images[0].source.line
        seen: dict[tuple[float, float], int | None] = {}
        for im in ds.images:
            key = (im.y, im.x)
            if key in seen:
                errors.append(CsvError("point_datasets.csv", im.source.line, "y",
                                       f"image ({im.y:g}, {im.x:g}) of {ds.name!r} is already on line "
                                       f"{seen[key]}", "delete the duplicated row (it would count twice)"))
            seen.setdefault(key, im.source.line)
        if len(ds.images) == 1:
            warnings.append(CsvWarning("point_datasets.csv", first, "name",
                                       f"source {ds.name!r} has one image: it constrains its own source "
                                       "position, not the lens",
                                       "add its counter-images, or delete the row if it is not a multiple "
                                       "image"))
        if ds.redshift is None and point_z.get(ds.name) is None and (model.mass or model.scaling_relations):
            errors.append(CsvError("point_datasets.csv", first, "redshift" if ds.name in point_names
                                   else "name", f"source {ds.name!r} has no redshift",
                                   "write its redshift in point_datasets.csv, or add a point.csv row with "
                                   f"attr_name {ds.name!r} and a redshift"))


# --- names ------------------------------------------------------------------------------------------

# Letters of other scripts drawn like Latin ones (after NFKC), after Unicode's confusables.txt (TR39).
_LOOK_ALIKE = str.maketrans({
    **dict(zip("АВЕКМНОРСТХЅІЈаеорсухѕіјԁһӏ", "ABEKMHOPCTXSIJaeopcyxsijdhl", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοκνρυχι", "ABEZHIKMNOPTYXoKvpuxi", strict=True)),
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})


def name_skeleton(name: str) -> str:
    """``name`` as it looks: NFKC, look-alike letters of other scripts as Latin, invisible marks removed."""
    return unicodedata.normalize("NFKC", name).translate(_LOOK_ALIKE)


def _scripts(name: str) -> set[str]:
    out = set()
    for ch in name:
        if ch.isalpha():
            out.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return out


def _names(model) -> Iterable[tuple[str, str, str, int | None, str]]:
    """(what, name, file, line, column) of every name a user writes."""
    for fam in ("mass", "light", "point"):
        for r in model.family(fam):
            yield "galaxy", r.galaxy, FAMILY_FILES[fam], r.source.line, "galaxy"
    for r in model.scaling_relations:
        yield "tier", r.tier, "scaling_relations.csv", r.source.line, "tier"
    for ds in model.point_datasets:
        yield "source", ds.name, "point_datasets.csv", ds.images[0].source.line, "name"


def _check_names(model, errors: list[CsvError], warnings: list[CsvWarning]) -> None:
    first: dict[str, tuple[str, str, int | None]] = {}
    reported: set[str] = set()
    for what, name, file, line, column in _names(model):
        skel = name_skeleton(name)
        seen = first.setdefault(skel, (name, file, line))
        if seen[0] != name and name not in reported:
            reported.add(name)
            odd = ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, '?')})" for ch in name
                            if not ch.isascii()) or "none"
            errors.append(CsvError(file, line, column,
                                   f"{what} {name!r} looks the same as {seen[0]!r} ({seen[1]}:{seen[2]}) but "
                                   f"is a different name: non-ASCII letters {odd}",
                                   "retype the name in plain ASCII so both rows name one galaxy, or choose "
                                   "a visibly different name"))
        scripts = _scripts(name) - {"UNKNOWN"}
        if len(scripts) > 1 and name not in reported:
            reported.add(name)
            warnings.append(CsvWarning(file, line, column,
                                       f"{what} {name!r} mixes letters of {' and '.join(sorted(scripts))}",
                                       "a look-alike letter from another alphabet makes a different name; "
                                       "retype it if that was not meant"))


# --- tier members -----------------------------------------------------------------------------------

def _check_members(model, free: list[FreeParameter], errors: list[CsvError]) -> None:
    free_cols = {(fp.galaxy, fp.column) for fp in free if fp.table == "scaling_relations"}
    for rel in model.scaling_relations:
        members = model.tier_members(rel.tier)
        if not members:
            continue
        spec = get_spec(rel.profile_class, "mass")
        n_before = len(errors)
        if rel.values.get("mag_ref") is not None:
            for m in members:
                mag = m.extra.get("mag")
                if not isinstance(mag, float):
                    errors.append(CsvError("scaling_galaxies.csv", m.source.line, "mag",
                                           f"tier {rel.tier!r} sets mag_ref ({rel.source}), but this member "
                                           "has no numeric mag", "write the member's magnitude"))
                elif (err := domain_error("scaling_galaxies.csv", m.source.line, "mag", mag, MAG_DOMAIN)):
                    errors.append(err)
            if len(errors) > n_before:
                continue
        per_member: dict[str, list[float]] = {}
        for p in spec.physical_parameters:
            for col in p.columns:
                if col in ("y", "x") or not any(col in m.extra for m in members):
                    continue
                cells = [m.extra.get(col) for m in members]
                if all(c is None for c in cells):
                    continue
                given = [c for c in (col, f"{col}_ref") if rel.values.get(c) is not None
                         or (rel.tier, c) in free_cols]
                if given:
                    errors.append(CsvError(
                        "scaling_galaxies.csv", 1, col,
                        f"the member column {col!r} and {given[0]} of tier {rel.tier!r} ({rel.source}) "
                        f"both set {col}: the column would silently override the relation",
                        f"delete the {col} column to use the relation, or delete {given[0]} (and its "
                        f"priors row) to use the per-member values"))
                    continue
                for m, c in zip(members, cells, strict=True):
                    if not isinstance(c, float):
                        errors.append(CsvError(
                            "scaling_galaxies.csv", m.source.line, col,
                            f"tier {rel.tier!r} takes {col} per member from this column, but this "
                            f"member has {'no value' if c is None else repr(c)}",
                            f"write a number for every member of {rel.tier!r}, or set {col} in "
                            "scaling_relations.csv for all of them"))
                    else:
                        err = domain_error("scaling_galaxies.csv", m.source.line, col, c, p.domain, p.unit)
                        if err is not None:
                            errors.append(err)
                per_member[col] = [c if isinstance(c, float) else None for c in cells]
        _check_scaled_constraints(model, rel, members, per_member, free_cols, errors)


def _check_scaled_constraints(model, rel, members, per_member, free_cols, errors) -> None:
    """Every member's scaled values p_ref (L/L_ref)^p_exponent: finite, in p's domain, and meeting the
    row constraints (r_core < r_cut); reported once per tier, at the relation column."""
    spec = get_spec(rel.profile_class, "mass")
    if rel.values.get("mag_ref") is not None and any(not isinstance(m.extra.get("mag"), float)
                                                     for m in members):
        return
    ratio = luminosity_ratios(members, rel)
    scaled = [p for p in spec.physical_parameters if not p.is_tuple
              and rel.values.get(f"{p.name}_ref") is not None
              and not any((rel.tier, c) in free_cols for c in (p.name, f"{p.name}_ref", f"{p.name}_exponent"))]
    for k, m in enumerate(members):
        values: dict[str, float | None] = {c: v[k] for c, v in per_member.items()}
        for p in spec.physical_parameters:
            if not p.is_tuple and p.name not in values:
                values[p.name] = None if (rel.tier, p.name) in free_cols else rel.values.get(p.name)
        where = f"tier {rel.tier!r}, member {m.source}: "
        for p in scaled:
            exponent = rel.values.get(f"{p.name}_exponent")
            exponent = (p.scaling_exponent or 0.0) if exponent is None else exponent
            try:
                v = rel.values[f"{p.name}_ref"] * ratio[k] ** exponent
            except (OverflowError, ZeroDivisionError):
                v = math.inf
            values[p.name] = v
            if not (math.isfinite(v) and p.domain.contains(v)):
                errors.append(CsvError(
                    "scaling_relations.csv", rel.source.line, f"{p.name}_ref",
                    f"{where}{p.name} = {p.name}_ref (L/L_ref)^{p.name}_exponent = {v:.6g} is outside "
                    f"{p.domain.describe(p.name)} (L/L_ref = {ratio[k]:.6g})",
                    f"check {p.name}_ref, {p.name}_exponent, luminosity_ref and the member's luminosity"))
                return
        found = constraint_errors("scaling_relations.csv", rel.source.line, values, spec.constraints,
                                  prefix=where)
        if found:
            e = found[0]
            column = next((c for c in (f"{e.column}_ref", e.column) if c in rel.values), e.column)
            errors.append(CsvError(e.path, e.line, column, e.message, e.hint))
            return
