"""Which table cells ``priors.csv`` makes free: the schema-level link from priors to parameters."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase as _fnmatch

from ..registry import nearest
from .errors import CsvError
from .rows import REDSHIFT, PriorRow, ProfileRow, ScalingRelation
from .scaling import relation_columns

__all__ = ["FreeParameter", "resolve_free_parameters", "COSMOLOGY"]

SCALING = "scaling"
COSMOLOGY = "cosmology"  # priors.csv `cosmology,*,H0`: H0 free (time delays)


@dataclass(frozen=True)
class FreeParameter:
    """One free scalar: the cell ``column`` of the row keyed ``(galaxy, attr_name)`` in ``table``.

    ``table`` is a family (``mass``, ``light``, ``point``), ``scaling_relations``, or ``redshift``: the
    redshift of a point-source galaxy (``attr_name`` and ``column`` are ``redshift``; its value lives in
    the galaxy's ``redshift`` cells and in ``point_datasets.csv``). ``name`` is the label used in
    ``samples.csv``: ``galaxy.attr_name.column``.
    """

    table: str
    galaxy: str
    attr_name: str
    column: str
    prior: PriorRow

    @property
    def name(self) -> str:
        return f"{self.galaxy}.{self.attr_name}.{self.column}"


def _columns_for(parameter: str, row: ProfileRow) -> list[str] | None:
    """The columns ``parameter`` frees in ``row``: a parameter name (a tuple frees both columns), one
    column, or a shell pattern over both (``r_*`` → r_core, r_cut; ``ell_comps_*``)."""
    cols: list[str] = []
    for p in row.spec.physical_parameters:
        if _match(p.name, parameter):
            cols += [c for c in p.columns if c not in cols]
        else:
            cols += [c for c in p.columns if _match(c, parameter) and c not in cols]
    return cols or None


def _match(name: str, pattern: str) -> bool:
    """Shell-style match; a name always matches itself (``[/red]lens_1`` is a name, not a pattern)."""
    return name == pattern or _fnmatch(name, pattern)


def _wild(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def resolve_free_parameters(
    priors: list[PriorRow],
    profiles: list[ProfileRow],
    relations: list[ScalingRelation],
    errors: list[CsvError],
    path="priors.csv",
) -> list[FreeParameter]:
    """Expand wildcards and tuples; report rows that match nothing. Later rows override earlier ones;
    ``Fixed`` removes a parameter from the free set."""
    chosen: dict[tuple[str, str, str, str], FreeParameter] = {}
    for prior in priors:
        matched = False
        line = prior.source.line
        if prior.attr_name == SCALING:
            tiers = [r for r in relations if _match(r.tier, prior.galaxy)]
            if not tiers:
                errors.append(CsvError(path, line, "galaxy",
                                       f"no scaling tier matches {prior.galaxy!r}",
                                       _hint(prior.galaxy, [r.tier for r in relations], "tier")))
                continue
            for rel in tiers:
                valid = [c for c in relation_columns(rel.profile_class) if c in rel.values]
                cols = [c for c in valid if _match(c, prior.parameter)]
                if not cols:
                    errors.append(CsvError(path, line, "parameter",
                                           f"tier {rel.tier!r} has no relation parameter {prior.parameter!r}",
                                           _hint(prior.parameter, valid, "parameter")))
                    continue
                matched = True
                for c in cols:
                    _choose(chosen, FreeParameter("scaling_relations", rel.tier, SCALING, c, prior))
            continue
        if prior.galaxy == COSMOLOGY:
            if prior.parameter != "H0":
                errors.append(CsvError(path, line, "parameter", f"only H0 of the cosmology can be free, not "
                                       f"{prior.parameter!r}", "write cosmology,*,H0 (time delays constrain it)"))
                continue
            _choose(chosen, FreeParameter(COSMOLOGY, COSMOLOGY, "*", "H0", prior))
            continue
        if prior.attr_name == REDSHIFT:
            for fp in _free_redshifts(prior, profiles, relations, errors, path):
                _choose(chosen, fp)
            continue
        rows = [r for r in profiles
                if _match(r.galaxy, prior.galaxy) and _match(r.attr_name, prior.attr_name)]
        if not rows:
            names = sorted({r.galaxy for r in profiles})
            attrs = sorted({r.attr_name for r in profiles})
            if not any(_match(g, prior.galaxy) for g in names):
                errors.append(CsvError(path, line, "galaxy", f"no galaxy matches {prior.galaxy!r}",
                                       _hint(prior.galaxy, names, "galaxy")))
            else:
                errors.append(CsvError(path, line, "attr_name",
                                       f"galaxy {prior.galaxy!r} has no profile {prior.attr_name!r}",
                                       _hint(prior.attr_name, attrs, "attr_name")))
            continue
        for row in rows:
            cols = _columns_for(prior.parameter, row)
            if cols is None:
                if _wild(prior.galaxy) or _wild(prior.attr_name) or _wild(prior.parameter):
                    continue  # a wildcard row applies where the parameter exists
                valid = [p.name for p in row.spec.physical_parameters]
                errors.append(CsvError(path, line, "parameter",
                                       f"{row.profile_class} ({row.galaxy}.{row.attr_name}, {row.source}) "
                                       f"has no parameter {prior.parameter!r}",
                                       _hint(prior.parameter, valid, "parameter")))
                continue
            matched = True
            for c in cols:
                _choose(chosen, FreeParameter(row.family, row.galaxy, row.attr_name, c, prior))
        if not matched and (_wild(prior.galaxy) or _wild(prior.attr_name) or _wild(prior.parameter)) \
                and rows:
            errors.append(CsvError(path, line, "parameter",
                                   f"no profile matching {prior.galaxy}.{prior.attr_name} has a "
                                   f"parameter {prior.parameter!r}", "check the parameter name"))
    return [fp for fp in chosen.values() if fp.prior.prior != "Fixed"]


def _free_redshifts(prior: PriorRow, profiles: list[ProfileRow], relations: list[ScalingRelation],
                    errors: list[CsvError], path) -> list[FreeParameter]:
    """The redshift form: every point.csv galaxy matching ``prior.galaxy`` gets a free redshift, which
    must stay behind every lens plane (lower bound and table value above the highest lens redshift)."""
    line = prior.source.line
    if prior.parameter != REDSHIFT:
        errors.append(CsvError(path, line, "parameter", f"a row with attr_name {REDSHIFT!r} frees a "
                               f"source redshift; its parameter must be {REDSHIFT!r}, not "
                               f"{prior.parameter!r}", f"write parameter = {REDSHIFT}"))
        return []
    z_of: dict[str, float] = {}
    for r in profiles:
        if r.redshift is not None:
            z_of.setdefault(r.galaxy, r.redshift)
    points = {}
    for r in profiles:
        if r.family == "point":
            points.setdefault(r.galaxy, r)
    matched = [g for g in points if _match(g, prior.galaxy)]
    if not matched:
        errors.append(CsvError(path, line, "galaxy", f"no point-source galaxy matches {prior.galaxy!r}: "
                               "free redshifts are for the galaxies of point.csv",
                               _hint(prior.galaxy, list(points), "point galaxy")))
        return []
    lens_z = [z_of[r.galaxy] for r in profiles if r.family == "mass" and r.galaxy in z_of]
    lens_z += [r.redshift for r in relations if r.redshift is not None]
    z_lens = max(lens_z, default=0.0)
    if prior.prior != "Fixed":
        lower = prior.lower
        if prior.prior == "Gaussian" and lower is None:
            errors.append(CsvError(path, line, "lower", "a Gaussian source-redshift prior needs a "
                                   f"lower bound above the lens redshift ({z_lens:g})",
                                   f"truncate it: write lower > {z_lens:g}"))
        elif lower is not None and lower <= z_lens:
            errors.append(CsvError(path, line, "lower", f"the redshift prior of {prior.galaxy!r} "
                                   f"reaches down to {lower:g}, not behind the lens (z = {z_lens:g})",
                                   f"write lower > {z_lens:g}"))
        if prior.prior == "Gaussian" and prior.upper is None:
            errors.append(CsvError(path, line, "upper", "a Gaussian source-redshift prior needs an "
                                   "upper bound", "truncate it: write upper (e.g. 10)"))
    for g in matched:
        z = z_of.get(g)
        if z is not None and z <= z_lens:
            row = points[g]
            errors.append(CsvError(row.source.file, row.source.line, "redshift",
                                   f"source galaxy {g!r} (free redshift, {path}:{line}) is at z = {z:g}, "
                                   f"not behind the lens (z = {z_lens:g})",
                                   f"write a start redshift > {z_lens:g}"))
    return [FreeParameter(REDSHIFT, g, REDSHIFT, REDSHIFT, prior) for g in matched]


def _choose(chosen: dict, fp: FreeParameter) -> None:
    key = (fp.table, fp.galaxy, fp.attr_name, fp.column)
    chosen.pop(key, None)  # a later row wins and moves to the end
    chosen[key] = fp


def _hint(value: str, valid: list[str], what: str) -> str:
    near = nearest(value, valid)
    text = f"did you mean {near[0]!r}? " if near else ""
    shown = ", ".join(valid[:12]) + (" ..." if len(valid) > 12 else "")
    return text + f"valid {what} names: {shown}"
