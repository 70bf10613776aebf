"""``priors.csv``: promotes parameters to free (DESIGN.md §4); ``cosmology.csv``: one row, H0 and Om0."""

from __future__ import annotations

from ..registry import column_domain, nearest
from .csvio import RawTable, parse_float, render_csv
from .errors import CsvError
from .rows import DEFAULT_COSMOLOGY, Cosmology, PriorRow, Source

__all__ = [
    "PRIOR_KINDS",
    "PRIOR_COLUMNS",
    "read_priors",
    "render_priors",
    "read_cosmology",
    "render_cosmology",
]

PRIOR_KINDS = ("Uniform", "LogUniform", "Gaussian", "Fixed")
PRIOR_KEYS = ("galaxy", "attr_name", "parameter", "prior")
PRIOR_COLUMNS = PRIOR_KEYS + ("lower", "upper", "mean", "sigma")


def read_priors(table: RawTable, errors: list[CsvError]) -> list[PriorRow]:
    path = table.path
    for col in PRIOR_KEYS:
        if col not in table.header:
            errors.append(CsvError(path, 1, col, f"the required column {col!r} is missing",
                                   f"priors.csv has columns {', '.join(PRIOR_COLUMNS)}"))
    for col in table.header:
        if col not in PRIOR_COLUMNS:
            hint = nearest(col, PRIOR_COLUMNS)
            errors.append(CsvError(path, 1, col, f"unknown column {col!r} for priors.csv",
                                   (f"did you mean {hint[0]!r}? " if hint else "")
                                   + f"valid: {', '.join(PRIOR_COLUMNS)}", col))
    if any(c not in table.header for c in PRIOR_KEYS):
        return []
    rows = []
    for raw in table.rows:
        n_before = len(errors)
        keys = {c: raw.cells[c] for c in PRIOR_KEYS}
        for c, v in keys.items():
            if not v:
                errors.append(CsvError(path, raw.line, c, f"{c} is empty", "fill it in"))
        kind = keys["prior"]
        if kind and kind not in PRIOR_KINDS:
            hint = nearest(kind, PRIOR_KINDS)
            errors.append(CsvError(path, raw.line, "prior", f"unknown prior {kind!r}",
                                   (f"did you mean {hint[0]!r}? " if hint else "")
                                   + f"valid: {', '.join(PRIOR_KINDS)}", kind))
        lower = parse_float(raw, "lower", path, errors) if "lower" in table.header else None
        upper = parse_float(raw, "upper", path, errors) if "upper" in table.header else None
        sigma = parse_float(raw, "sigma", path, errors) if "sigma" in table.header else None
        mean: float | str | None = None
        if "mean" in table.header:
            mean = "auto" if raw.cells["mean"] == "auto" else parse_float(raw, "mean", path, errors)
        row = PriorRow(keys["galaxy"], keys["attr_name"], keys["parameter"], kind,
                       lower, upper, mean, sigma, Source(path.name, raw.line))
        if len(errors) == n_before:
            _check_prior(row, path, errors)
        if len(errors) == n_before:
            rows.append(row)
    return rows


def _check_prior(row: PriorRow, path, errors: list[CsvError]) -> None:
    line = row.source.line

    def err(col: str, msg: str, hint: str) -> None:
        errors.append(CsvError(path, line, col, msg, hint))

    if row.prior in ("Uniform", "LogUniform"):
        if row.lower is None or row.upper is None:
            err("lower" if row.lower is None else "upper", f"{row.prior} needs lower and upper",
                "fill both bounds")
        elif row.lower >= row.upper:
            err("upper", f"upper ({row.upper:g}) must be greater than lower ({row.lower:g})",
                "swap or correct the bounds")
        elif row.prior == "LogUniform" and row.lower <= 0:
            err("lower", "LogUniform needs lower > 0", "use a positive lower bound, or Uniform")
        if row.mean is not None or row.sigma is not None:
            err("mean" if row.mean is not None else "sigma", f"{row.prior} takes no mean or sigma",
                "empty the cell, or use Gaussian")
    elif row.prior == "Gaussian":
        if row.mean is None:
            err("mean", "Gaussian needs a mean", "write a number, or auto for a source centre")
        if row.sigma is None or row.sigma <= 0:
            err("sigma", "Gaussian needs sigma > 0", "write the 1σ width")
        if row.lower is not None and row.upper is not None and row.lower >= row.upper:
            err("upper", "truncation upper must be greater than lower", "correct the bounds")
    elif row.prior == "Fixed":
        for col in ("lower", "upper", "mean", "sigma"):
            if getattr(row, col) is not None:
                err(col, "Fixed takes no bounds, mean or sigma",
                    "empty the cell; the value comes from the model table")


def render_priors(rows: list[PriorRow]) -> str:
    body = [[r.galaxy, r.attr_name, r.parameter, r.prior, r.lower, r.upper, r.mean, r.sigma]
            for r in rows]
    return render_csv(PRIOR_COLUMNS, body)


def read_cosmology(table: RawTable, errors: list[CsvError]) -> Cosmology | None:
    path = table.path
    valid = ("H0", "Om0")
    for col in table.header:
        if col not in valid:
            hint = nearest(col, valid)
            errors.append(CsvError(path, 1, col, f"unknown column {col!r} for cosmology.csv",
                                   (f"did you mean {hint[0]!r}? " if hint else "") + "valid: H0, Om0", col))
    if len(table.rows) != 1:
        errors.append(CsvError(path, table.rows[1].line, None, "cosmology.csv has more than one row",
                               "keep one row: H0,Om0"))
    raw = table.rows[0]
    n = len(errors)
    h0, om0 = (parse_float(raw, c, path, errors, required=True, domain=column_domain(path.name, c))
               if c in table.header else getattr(DEFAULT_COSMOLOGY, c) for c in valid)
    if len(errors) > n:
        return None
    return Cosmology(h0, om0, Source(path.name, raw.line))


def render_cosmology(cosmology: Cosmology) -> str:
    return render_csv(("H0", "Om0"), [[cosmology.H0, cosmology.Om0]])
