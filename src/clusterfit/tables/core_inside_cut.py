"""A fit must never reach a dPIE whose r_cut is at or below its r_core.

The table checks refuse such a row (the dPIE normalisation has r_cut/(r_cut − r_core)), so priors that
let a fit reach one would have it write a model nobody can load (found on A2744: a MAP put O7's r_cut at
its prior's lower end, 0″, below its 0.032″ core). :func:`check_core_inside_cut` refuses such priors
before any fit starts, naming the priors.csv cell:

* a mass row whose r_core or r_cut is free: the fixed value or the prior's range of one radius must stay
  below (r_core) or above (r_cut) the other's;
* a tier (scaling_relations.csv) whose ``r_core_ref``/``r_cut_ref`` (or ``r_core``/``r_cut``) is free:
  each member's radii are ``ref (L/L_ref)^exponent`` (or the member's own column, or the relation's
  value), and for every member the largest core must stay below the smallest cut. A free exponent is not
  checked (the ranges would depend on the luminosities in both directions); the engine then meets it.

An untruncated Gaussian prior reaches :data:`GAUSSIAN_REACH` σ from its mean.
"""

from __future__ import annotations

from ..registry import get_spec
from .domains import parameter_domain, prior_bounds
from .errors import CsvError
from .free import FreeParameter
from .scaling import luminosity_ratios

__all__ = ["check_core_inside_cut", "GAUSSIAN_REACH"]

GAUSSIAN_REACH = 10.0
"""An untruncated Gaussian prior reaches this many σ from its mean (beyond: probability < 1e-23, never drawn)."""

_RADII = ("r_core", "r_cut")
_HINT = ("bound the priors so that every r_cut is above every r_core (e.g. the r_cut prior's lower end above "
         "the largest r_core)")


def check_core_inside_cut(model, free: list[FreeParameter], errors: list[CsvError]) -> None:
    """Append an error for each mass row and each tier whose priors let an r_cut reach its r_core."""
    by = {(fp.table, fp.galaxy, fp.attr_name, fp.column): fp for fp in free}
    for row in model.mass:
        if set(_RADII) <= set(row.values):
            _check_row(row, by, errors)
    tier_priors = {(fp.galaxy, fp.column): fp for fp in free if fp.table == "scaling_relations"}
    for rel in model.scaling_relations:
        _check_tier(model, rel, tier_priors, errors)


def _check_row(row, by, errors: list[CsvError]) -> None:
    ranges, priors = {}, {}
    for column in _RADII:
        fp = by.get(("mass", row.galaxy, row.attr_name, column))
        if fp is None:
            value = row.values[column]
            ranges[column] = (value, value)
        else:
            domain, _ = parameter_domain("mass", row.profile_class, column)
            ranges[column], priors[column] = _reach(fp.prior, domain), fp.prior
    if not priors or None in ranges["r_core"] + ranges["r_cut"] or ranges["r_core"][1] < ranges["r_cut"][0]:
        return
    column = "r_cut" if "r_cut" in priors else "r_core"
    errors.append(_error(priors[column], f"{row.galaxy}.{column}", column, ranges))


def _check_tier(model, rel, tier_priors, errors: list[CsvError]) -> None:
    """Per member, the reach of r_core and r_cut from the relation (module docstring)."""
    spec = get_spec(rel.profile_class, "mass")
    if not any(set(c.columns) == set(_RADII) for c in spec.constraints):
        return
    members = model.tier_members(rel.tier)
    priors = {c: tier_priors[(rel.tier, c)] for column in _RADII for c in (column, f"{column}_ref")
              if (rel.tier, c) in tier_priors}
    if not members or not priors or any((rel.tier, f"{c}_exponent") in tier_priors for c in _RADII):
        return
    if rel.values.get("mag_ref") is not None and any(not isinstance(m.extra.get("mag"), float) for m in members):
        return  # the member checks report the missing magnitudes
    ratio = luminosity_ratios(members, rel)
    reach = {column: _tier_reach(rel, members, ratio, column, priors) for column in _RADII}
    if None in reach.values():
        return
    for k, m in enumerate(members):
        ranges = {column: reach[column][k] for column in _RADII}
        if ranges["r_core"][1] < ranges["r_cut"][0]:
            continue
        name = next(c for c in ("r_cut_ref", "r_cut", "r_core_ref", "r_core") if c in priors)
        errors.append(_error(priors[name].prior, f"tier {rel.tier!r} {name}", name.removesuffix("_ref"), ranges,
                             f" at member {m.source} (L/L_ref = {ratio[k]:.4g})"))
        return


def _tier_reach(rel, members, ratio, column, priors) -> list[tuple[float, float]] | None:
    """Per member, (lowest, highest) value of ``column`` the tier's relation and priors allow; None when
    not known (a missing or non-numeric value: other checks report it)."""
    cells = [m.extra.get(column) for m in members]
    if any(c is not None for c in cells):  # the member's own column
        return [(c, c) for c in cells] if all(isinstance(c, float) for c in cells) else None
    domain, _ = parameter_domain("scaling_relations", rel.profile_class, column)
    if column in priors:
        return [_reach(priors[column].prior, domain)] * len(members)
    if rel.values.get(column) is not None:
        return [(rel.values[column], rel.values[column])] * len(members)
    ref = f"{column}_ref"
    lo, hi = _reach(priors[ref].prior, domain) if ref in priors else (rel.values.get(ref), rel.values.get(ref))
    if lo is None or hi is None:
        return None
    exponent = rel.values.get(f"{column}_exponent")
    if exponent is None:
        exponent = _spec_exponent(rel.profile_class, column)
    try:
        return [(lo * r**exponent, hi * r**exponent) for r in ratio]
    except (OverflowError, ZeroDivisionError):
        return None


def _spec_exponent(profile_class: str, column: str) -> float:
    """The registry's default scaling exponent of ``column`` (0 when it has none)."""
    found = get_spec(profile_class, "mass").column_to_parameter().get(column)
    return (found[0].scaling_exponent or 0.0) if found else 0.0


def _error(prior, what: str, column: str, ranges, where: str = "") -> CsvError:
    return CsvError(
        "priors.csv", prior.source.line, "lower" if column == "r_cut" else "upper",
        f"the {prior.describe()} prior of {what} lets r_cut reach r_core{where} (r_core up to "
        f"{ranges['r_core'][1]:g}″, r_cut from {ranges['r_cut'][0]:g}″): a dPIE needs r_cut > r_core", _HINT)


def _reach(prior, domain) -> tuple[float | None, float | None]:
    """The values a prior can give: its bounds within the domain, a Gaussian's ±:data:`GAUSSIAN_REACH` σ;
    (None, None) where its mean refers to another parameter."""
    lo, hi = prior_bounds(prior, domain)
    if prior.prior == "Gaussian":
        if isinstance(prior.mean, str):
            return None, None
        lo, hi = max(lo, prior.mean - GAUSSIAN_REACH * prior.sigma), min(hi, prior.mean + GAUSSIAN_REACH * prior.sigma)
    return lo, hi
