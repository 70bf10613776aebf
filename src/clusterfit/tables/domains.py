"""Parameter domains (declared in :mod:`clusterfit.registry`) applied to cells, rows and priors.

A value outside its parameter's domain (ellipticity ≥ 1, σ < 0, r_cut ≤ r_core, H0 = 1e300, ...) is an
error naming the file, line and column; so is a prior whose range leaves the domain. A Gaussian prior
whose tail crosses a domain bound is truncated there (:func:`prior_bounds`), so a sampler never draws an
impossible value. Angles (``angle_pos``) are periodic: a value is inside a prior when a turn of the
period brings it there (327.9° is −32.1° of a 180°-periodic axis).
"""

from __future__ import annotations

import math
from pathlib import Path

from ..registry import (
    ANY,
    EXPONENT_DOMAIN,
    MAG_DOMAIN,
    REDSHIFT_DOMAIN,
    Constraint,
    Domain,
    get_spec,
)
from .errors import CsvError
from .rows import PriorRow

__all__ = [
    "domain_error",
    "constraint_errors",
    "parameter_domain",
    "prior_domain_errors",
    "prior_bounds",
    "wrap_into",
]


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def domain_error(path: str | Path, line: int | None, column: str, value: float, domain: Domain,
                 unit: str = "", what: str = "") -> CsvError | None:
    """The error for ``value`` outside ``domain`` (``None`` when it is inside)."""
    if domain.contains(value):
        return None
    unit_text = f" {unit}" if unit and unit != "image units" else ""
    why = f"{domain.why}; " if domain.why else ""
    return CsvError(path, line, column,
                    f"{what or column} = {_fmt(value)}{unit_text} is outside its domain "
                    f"{domain.describe(column)}",
                    f"{why}write a value with {domain.describe(column)}", _fmt(value))


def constraint_errors(path: str | Path, line: int | None, values: dict[str, float | None],
                      constraints: tuple[Constraint, ...], prefix: str = "") -> list[CsvError]:
    """Errors of the row-level ``constraints`` whose columns all have values (free cells are skipped)."""
    out = []
    for c in constraints:
        args = [values.get(col) for col in c.columns]
        if any(a is None for a in args) or c.test(*args):
            continue
        shown = ", ".join(f"{col} = {_fmt(a)}" for col, a in zip(c.columns, args, strict=True))
        out.append(CsvError(path, line, c.columns[-1], f"{prefix}{c.text} ({shown})", c.hint))
    return out


def parameter_domain(table: str, profile_class: str | None, column: str) -> tuple[Domain, str]:
    """(domain, unit) of a free parameter's column: a profile column, a scaling relation column
    (``<p>_ref`` and ``<p>`` have p's domain; exponents ``EXPONENT_DOMAIN``, ``mag_ref`` ``MAG_DOMAIN``) or a
    redshift."""
    if table == "redshift":
        return REDSHIFT_DOMAIN, ""
    if profile_class is None:
        return ANY, ""
    spec = get_spec(profile_class)
    name = column
    if table == "scaling_relations":
        if column.endswith("_exponent"):
            return EXPONENT_DOMAIN, ""
        if column == "mag_ref":
            return MAG_DOMAIN, "mag"
        name = column.removesuffix("_ref")
    found = spec.column_to_parameter().get(name)
    if found is None:
        return ANY, ""
    return found[0].domain, found[0].unit


def prior_domain_errors(prior: PriorRow, domain: Domain, name: str, path: str = "priors.csv"
                        ) -> list[CsvError]:
    """A prior whose range leaves ``domain``: Uniform/LogUniform bounds, a Gaussian's mean and its
    truncation; and a Gaussian truncated away from its mean (its peak outside [lower, upper])."""
    line = prior.source.line
    out: list[CsvError] = []
    rng = domain.describe(name)
    why = f"{domain.why}; " if domain.why else ""
    cols = ["lower", "upper"] + (["mean"] if prior.prior == "Gaussian" else [])
    for col in cols:
        v = getattr(prior, col)
        if isinstance(v, float) and not domain.contains(v):
            out.append(CsvError(
                path, line, col,
                f"the {prior.prior} prior of {name} has {col} = {_fmt(v)}, outside its domain {rng}",
                f"{why}the prior must stay inside {rng}: write {col} inside it", _fmt(v)))
    if (prior.prior == "Gaussian" and isinstance(prior.mean, float)
            and ((prior.lower is not None and prior.mean < prior.lower)
                 or (prior.upper is not None and prior.mean > prior.upper))):
        lo = "" if prior.lower is None else _fmt(prior.lower)
        hi = "" if prior.upper is None else _fmt(prior.upper)
        out.append(CsvError(
            path, line, "mean",
            f"the Gaussian prior of {name} is truncated away from its mean: mean {_fmt(prior.mean)} is "
            f"outside [{lo}, {hi}]",
            "put the mean inside the truncation (a peak outside the range is almost always a typo), "
            "or use Uniform(lower, upper)"))
    return out


def prior_bounds(prior: PriorRow, domain: Domain) -> tuple[float, float]:
    """The support [lower, upper] of ``prior`` intersected with ``domain`` (±inf where open ended).

    An open domain bound (ellipticity < 1) becomes the nearest float inside it."""
    lo = -math.inf if prior.lower is None else prior.lower
    hi = math.inf if prior.upper is None else prior.upper
    if domain.lower is not None:
        d = math.nextafter(domain.lower, math.inf) if domain.lower_open else domain.lower
        lo = max(lo, d)
    if domain.upper is not None:
        d = math.nextafter(domain.upper, -math.inf) if domain.upper_open else domain.upper
        hi = min(hi, d)
    return lo, hi


def wrap_into(value: float, domain: Domain, lower: float, upper: float) -> float | None:
    """``value`` moved by whole periods of ``domain`` into [lower, upper]; ``value`` itself when it is
    inside; ``None`` when no turn brings it there (or the domain has no period)."""
    if lower <= value <= upper:
        return value
    if domain.period is None or not (math.isfinite(lower) or math.isfinite(upper)):
        return None
    anchor = lower if math.isfinite(lower) else upper
    k = math.ceil((anchor - value) / domain.period) if math.isfinite(lower) \
        else math.floor((anchor - value) / domain.period)
    moved = value + k * domain.period
    return moved if lower <= moved <= upper else None
