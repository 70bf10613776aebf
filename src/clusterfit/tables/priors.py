"""``priors.csv``: promotes parameters to free (docs/csv_format.md, priors.csv)."""

from __future__ import annotations

from ..registry import nearest
from .csvio import RawTable, check_header, parse_float, render_csv
from .errors import CsvError
from .rows import PriorRow, Source

__all__ = [
    "PRIOR_KINDS",
    "PRIOR_COLUMNS",
    "read_priors",
    "render_priors",
]

PRIOR_KINDS = ("Uniform", "LogUniform", "Gaussian", "Fixed")
PRIOR_KEYS = ("galaxy", "attr_name", "parameter", "prior")
PRIOR_COLUMNS = PRIOR_KEYS + ("lower", "upper", "mean", "sigma")


def read_priors(table: RawTable, errors: list[CsvError]) -> list[PriorRow]:
    path = table.path
    if not check_header(table, PRIOR_KEYS, PRIOR_COLUMNS, errors,
                        f"priors.csv has columns {', '.join(PRIOR_COLUMNS)}"):
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

