"""Which table cells ``priors.csv`` makes free: the schema-level link from priors to parameters."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..registry import nearest
from .errors import CsvError
from .rows import PriorRow, ProfileRow, ScalingRelation
from .scaling import relation_columns

__all__ = ["FreeParameter", "resolve_free_parameters"]

SCALING = "scaling"


@dataclass(frozen=True)
class FreeParameter:
    """One free scalar: the cell ``column`` of the row keyed ``(galaxy, attr_name)`` in ``table``.

    ``table`` is a family (``mass``, ``light``, ``point``) or ``scaling_relations``. ``name`` is the
    label used in ``samples.csv``: ``galaxy.attr_name.column``.
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
    spec = row.spec
    for p in spec.physical_parameters:
        if parameter == p.name:
            return list(p.columns)
        if parameter in p.columns:
            return [parameter]
    return None


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
            tiers = [r for r in relations if fnmatchcase(r.tier, prior.galaxy)]
            if not tiers:
                errors.append(CsvError(path, line, "galaxy",
                                       f"no scaling tier matches {prior.galaxy!r}",
                                       _hint(prior.galaxy, [r.tier for r in relations], "tier")))
                continue
            for rel in tiers:
                valid = [c for c in relation_columns(rel.profile_class) if c in rel.values]
                cols = [c for c in valid if fnmatchcase(c, prior.parameter)]
                if not cols:
                    errors.append(CsvError(path, line, "parameter",
                                           f"tier {rel.tier!r} has no relation parameter {prior.parameter!r}",
                                           _hint(prior.parameter, valid, "parameter")))
                    continue
                matched = True
                for c in cols:
                    _choose(chosen, FreeParameter("scaling_relations", rel.tier, SCALING, c, prior))
            continue
        rows = [r for r in profiles
                if fnmatchcase(r.galaxy, prior.galaxy) and fnmatchcase(r.attr_name, prior.attr_name)]
        if not rows:
            names = sorted({r.galaxy for r in profiles})
            attrs = sorted({r.attr_name for r in profiles})
            if not any(fnmatchcase(g, prior.galaxy) for g in names):
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
                if "*" in prior.galaxy or "*" in prior.attr_name:
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
        if not matched and ("*" in prior.galaxy or "*" in prior.attr_name) and rows:
            errors.append(CsvError(path, line, "parameter",
                                   f"no profile matching {prior.galaxy}.{prior.attr_name} has a "
                                   f"parameter {prior.parameter!r}", "check the parameter name"))
    return [fp for fp in chosen.values() if fp.prior.prior != "Fixed"]


def _choose(chosen: dict, fp: FreeParameter) -> None:
    key = (fp.table, fp.galaxy, fp.attr_name, fp.column)
    chosen.pop(key, None)  # a later row wins and moves to the end
    chosen[key] = fp


def _hint(value: str, valid: list[str], what: str) -> str:
    near = nearest(value, valid)
    text = f"did you mean {near[0]!r}? " if near else ""
    shown = ", ".join(valid[:12]) + (" ..." if len(valid) > 12 else "")
    return text + f"valid {what} names: {shown}"
