"""``scaling_galaxies.csv`` (the member catalogue) and ``scaling_relations.csv`` (one row per tier).

Catalogue: ``y, x, luminosity`` then optional ``redshift`` and any further columns (kept and shown):
``tier`` assigns a member to a tier; a column named like a parameter of the tier's class (for example
``ellipticity``, ``angle_pos``) sets that parameter per member. Relations: docs/csv_format.md, scaling_relations.csv.
"""

from __future__ import annotations

from ..registry import column_domain, get_spec, nearest, specs_for_family
from .csvio import RawTable, check_header, parse_float, render_csv
from .domains import parameter_domain
from .errors import CsvError
from .rows import ScalingGalaxy, ScalingRelation, Source

__all__ = [
    "read_scaling_galaxies",
    "render_scaling_galaxies",
    "read_scaling_relations",
    "render_scaling_relations",
    "relation_columns",
    "luminosity_ratios",
]

MEMBER_BASE = ("y", "x", "luminosity")
RELATION_KEYS = ("tier", "profile_class", "luminosity_ref")


def read_scaling_galaxies(table: RawTable, errors: list[CsvError]) -> list[ScalingGalaxy]:
    path = table.path
    if not check_header(table, MEMBER_BASE, None, errors,
                        "the member catalogue needs y, x (arcsec) and luminosity"):
        return []
    extra_cols = [c for c in table.header if c not in MEMBER_BASE and c != "redshift"]
    # A column is numeric when every non-empty cell parses; text columns (names, ids) stay str.
    numeric = {c: all(_is_float(r.cells[c]) for r in table.rows if r.cells[c] != "")
               for c in extra_cols}
    members = []
    for raw in table.rows:
        y, x, lum = (parse_float(raw, c, path, errors, required=True, domain=column_domain(path.name, c))
                     for c in MEMBER_BASE)
        z = parse_float(raw, "redshift", path, errors, domain=column_domain(path.name, "redshift")) \
            if "redshift" in table.header else None
        extra: dict[str, float | str | None] = {}
        for c in extra_cols:
            cell = raw.cells[c]
            if c == "tier":
                extra[c] = cell or None
            elif numeric[c]:
                extra[c] = parse_float(raw, c, path, errors)
            else:
                extra[c] = cell or None
        if None in (y, x, lum):
            continue
        members.append(ScalingGalaxy(y, x, lum, z, extra, Source(path.name, raw.line)))
    return members


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def render_scaling_galaxies(members: list[ScalingGalaxy]) -> str:
    header = list(MEMBER_BASE)
    if any(m.redshift is not None for m in members):
        header.append("redshift")
    for m in members:
        header += [c for c in m.extra if c not in header]
    body = []
    for m in members:
        row = [m.y, m.x, m.luminosity] + ([m.redshift] if "redshift" in header else [])
        row += [m.extra.get(c) for c in header[len(row):]]
        body.append(row)
    return render_csv(header, body)


def relation_columns(profile_class: str) -> list[str]:
    """Value columns a relation of this class may use: ``p``, ``p_ref``, ``p_exponent`` per parameter."""
    spec = get_spec(profile_class, "mass")
    cols = []
    for p in spec.physical_parameters:
        if p.is_tuple:
            if p.name != "centre":
                cols += list(p.columns)
            continue
        cols += [p.name, f"{p.name}_ref", f"{p.name}_exponent"]
    return cols


def _all_relation_columns() -> list[str]:
    cols = list(RELATION_KEYS) + ["mag_ref"]
    for spec in specs_for_family("mass"):
        if "centre" in spec.parameter_names:
            cols += [c for c in relation_columns(spec.name) if c not in cols]
    return cols + ["redshift"]


def read_scaling_relations(table: RawTable, errors: list[CsvError]) -> list[ScalingRelation]:
    path = table.path
    valid = _all_relation_columns()
    if not check_header(table, ("tier", "profile_class"), valid, errors,
                        "scaling_relations.csv starts with tier, profile_class, luminosity_ref",
                        "columns are <parameter>, <parameter>_ref, <parameter>_exponent"):
        return []
    relations = []
    seen: dict[str, int] = {}
    mass_classes = [s.name for s in specs_for_family("mass") if "centre" in s.parameter_names]
    for raw in table.rows:
        tier, cls = raw.cells["tier"], raw.cells["profile_class"]
        if not tier:
            errors.append(CsvError(path, raw.line, "tier", "tier is empty", "name the tier"))
            continue
        if tier in seen:
            errors.append(CsvError(path, raw.line, "tier", f"tier {tier!r} is already defined on line "
                                   f"{seen[tier]}", "one row per tier"))
        seen.setdefault(tier, raw.line)
        if cls not in mass_classes:
            hint = nearest(cls, mass_classes)
            errors.append(CsvError(path, raw.line, "profile_class", f"unknown profile_class {cls!r} for a "
                                   "scaling tier", (f"did you mean {hint[0]!r}? " if hint else "")
                                   + f"valid: {', '.join(mass_classes)}", cls))
            continue
        own = set(relation_columns(cls)) | {"mag_ref"}
        values: dict[str, float | None] = {}
        for col in table.header:
            if col in RELATION_KEYS or col == "redshift" or col not in valid:
                continue
            if col in own:
                domain, unit = parameter_domain("scaling_relations", cls, col)
                values[col] = parse_float(raw, col, path, errors, domain=domain, unit=unit)
            elif raw.cells[col] != "":
                errors.append(CsvError(path, raw.line, col, f"{cls} takes no relation column {col!r}",
                                       f"empty this cell; {cls} takes {', '.join(sorted(own))}",
                                       raw.cells[col]))
        lref = parse_float(raw, "luminosity_ref", path, errors, required=True,
                           domain=column_domain(path.name, "luminosity_ref")) \
            if "luminosity_ref" in table.header else None
        if lref is None:
            if "luminosity_ref" not in table.header:
                errors.append(CsvError(path, raw.line, "luminosity_ref", "luminosity_ref is missing",
                                       "add a luminosity_ref column: the luminosity at which <p>_ref holds"))
            continue
        z = parse_float(raw, "redshift", path, errors, domain=column_domain(path.name, "redshift")) \
            if "redshift" in table.header else None
        ordered = {c: values[c] for c in ["mag_ref", *relation_columns(cls)] if c in values}
        relations.append(ScalingRelation(tier, cls, lref, ordered, z, Source(path.name, raw.line)))
    return relations


def render_scaling_relations(relations: list[ScalingRelation]) -> str:
    header = list(RELATION_KEYS)
    for r in relations:
        header += [c for c in r.values if c not in header]
    has_z = any(r.redshift is not None for r in relations)
    if has_z:
        header.append("redshift")
    body = []
    for r in relations:
        row = [r.tier, r.profile_class, r.luminosity_ref]
        row += [r.values.get(c) for c in header[3:len(header) - has_z]]
        body.append(row + ([r.redshift] if has_z else []))
    return render_csv(header, body)


def luminosity_ratios(members: list[ScalingGalaxy], relation: ScalingRelation) -> list[float]:
    """L_i / L_ref of ``members``: from magnitudes when the relation sets ``mag_ref``
    (L/L_ref = 10^(0.4 (mag_ref − mag)); every member needs a numeric ``mag``), else
    ``luminosity / luminosity_ref``."""
    mag_ref = relation.values.get("mag_ref")
    if mag_ref is not None:
        return [10.0 ** (0.4 * (mag_ref - float(m.extra["mag"]))) for m in members]  # type: ignore[arg-type]
    return [m.luminosity / relation.luminosity_ref for m in members]
