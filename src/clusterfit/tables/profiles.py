"""``mass.csv``, ``light.csv``, ``point.csv``: one row per profile, dispatched by ``profile_class``."""

from __future__ import annotations

from ..registry import Family, column_domain, get_spec, nearest, specs_for_family
from .csvio import RawTable, check_header, parse_float, render_csv
from .domains import constraint_errors
from .errors import CsvError
from .rows import REDSHIFT, ProfileRow, Source

__all__ = ["FAMILY_FILES", "KEY_COLUMNS", "read_profiles", "render_profiles", "profile_columns"]

FAMILY_FILES: dict[Family, str] = {"mass": "mass.csv", "light": "light.csv", "point": "point.csv"}
KEY_COLUMNS = ("galaxy", "attr_name", "profile_class")


def profile_columns(family: Family) -> list[str]:
    """Every column a file of this family may have, in canonical order."""
    cols = list(KEY_COLUMNS)
    for spec in specs_for_family(family):
        cols += [c for c in spec.columns if c not in cols]
    return cols + [REDSHIFT]


_LIGHT_QUALIFIERS = {
    "linear": "linear light profile (its intensity is solved by linear algebra in an imaging fit)",
    "linear_operated": "linear, PSF-operated light profile (solved intensity, no PSF convolution)",
    "operated": "PSF-operated light profile (the PSF is already applied, so it is not convolved)",
}


def _qualified_light_refusal(cls_name: str) -> tuple[str, str] | None:
    """(message, hint) for PyAutoLens's qualified light classes (``linear.Sersic`` ...), else ``None``.

    PyAutoLens's ``galaxy_models_to_csv`` writes ``lp_linear.*`` as ``linear.Name``, ``lp_operated.*`` as
    ``operated.Name`` and ``lp_linear_operated.*`` as ``linear_operated.Name``; clusterfit has none of them.
    """
    qualifier, dot, name = cls_name.partition(".")
    if not dot or qualifier not in _LIGHT_QUALIFIERS:
        return None
    target = name if name else "Sersic"
    return (f"{cls_name!r} is a PyAutoLens {_LIGHT_QUALIFIERS[qualifier]}; clusterfit does not support "
            f"{qualifier} light profiles",
            f"write the plain class {target!r} with an 'intensity' column; for a linear profile, use the "
            "intensity your PyAutoLens fit solved for")


def read_profiles(table: RawTable, family: Family, errors: list[CsvError]) -> list[ProfileRow]:
    """Typed rows of one family file; every problem is appended to ``errors``."""
    path = table.path
    valid_columns = profile_columns(family)
    if not check_header(table, KEY_COLUMNS, valid_columns, errors,
                        f"the header must start with {', '.join(KEY_COLUMNS)}",
                        "a silently ignored column would leave a parameter unset, so it is refused"):
        return []
    rows: list[ProfileRow] = []
    seen: dict[tuple[str, str], int] = {}
    classes = [s.name for s in specs_for_family(family)]
    for raw in table.rows:
        galaxy = raw.cells["galaxy"]
        attr = raw.cells["attr_name"]
        cls_name = raw.cells["profile_class"]
        ok = True
        for col, val in (("galaxy", galaxy), ("attr_name", attr)):
            if not val:
                errors.append(CsvError(path, raw.line, col, f"{col} is empty", "name it"))
                ok = False
        refusal = _qualified_light_refusal(cls_name) if family == "light" else None
        if refusal is not None:
            errors.append(CsvError(path, raw.line, "profile_class", refusal[0], refusal[1], cls_name))
            continue
        try:
            spec = get_spec(cls_name, family)
        except KeyError:
            hint = nearest(cls_name, classes)
            errors.append(CsvError(
                path, raw.line, "profile_class", f"unknown profile_class {cls_name!r} for {path.name}",
                (f"did you mean {hint[0]!r}? " if hint else "") + f"valid: {', '.join(classes)}",
                cls_name))
            continue
        if (galaxy, attr) in seen and ok:
            errors.append(CsvError(
                path, raw.line, "attr_name",
                f"({galaxy}, {attr}) is already defined on line {seen[(galaxy, attr)]}",
                "each (galaxy, attr_name) pair appears once per file; rename one attr_name"))
        seen.setdefault((galaxy, attr), raw.line)
        own = set(spec.columns)
        values: dict[str, float | None] = {}
        bookkeeping = {c for p in spec.parameters if p.bookkeeping for c in p.columns}
        by_column = spec.column_to_parameter()
        for col in spec.columns:
            if col not in table.header or (col in bookkeeping and raw.cells[col] == ""):
                continue  # an empty bookkeeping cell means "not given", as in PyAutoLens
            p = by_column[col][0]
            values[col] = parse_float(raw, col, path, errors, domain=p.domain, unit=p.unit)
        errors += constraint_errors(path, raw.line, values, spec.constraints)
        for col in table.header:
            if col in KEY_COLUMNS or col == REDSHIFT or col in own or col not in valid_columns:
                continue
            if raw.cells.get(col, "") != "":
                errors.append(CsvError(
                    path, raw.line, col, f"{cls_name} takes no parameter {col!r}",
                    f"empty this cell; {cls_name} takes {', '.join(spec.columns)}",
                    raw.cells[col]))
        # Every physical column is present in ``values`` (None when absent or empty).
        for p in spec.physical_parameters:
            for col in p.columns:
                values.setdefault(col, None)
        ordered = {c: values[c] for c in spec.columns if c in values}
        redshift = parse_float(raw, REDSHIFT, path, errors, domain=column_domain(path.name, REDSHIFT)) \
            if REDSHIFT in table.header else None
        rows.append(ProfileRow(family, galaxy, attr, cls_name, ordered, redshift,
                               Source(path.name, raw.line)))
    return rows


def render_profiles(rows: list[ProfileRow]) -> str:
    """CSV text: key columns, the union of parameter columns in first-seen order, then redshift.

    The same header rule as PyAutoLens's ``galaxy_models_to_csv``, so files written by either match.
    """
    header = list(KEY_COLUMNS)
    for row in rows:
        for col in row.spec.columns:
            if col in row.values and col not in header:
                header.append(col)
    has_z = any(r.redshift is not None for r in rows)
    if has_z:
        header.append(REDSHIFT)
    body = []
    for row in rows:
        line = [row.galaxy, row.attr_name, row.profile_class]
        line += [row.values.get(c) for c in header[3:len(header) - has_z]]
        if has_z:
            line.append(row.redshift)
        body.append(line)
    return render_csv(header, body)

