"""``cosmology.csv``: one row, H0 and Om0 (defaults when the file is absent). The distances they give
are :class:`clusterfit.physics.cosmology.Cosmology`'s (``Cosmology.of(row)``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..registry import column_domain
from .csvio import RawTable, check_header, parse_float, render_csv
from .errors import CsvError
from .rows import Source

__all__ = ["CosmologyRow", "DEFAULT_COSMOLOGY", "COSMOLOGY_COLUMNS", "read_cosmology", "render_cosmology"]

COSMOLOGY_COLUMNS = ("H0", "Om0")


@dataclass(frozen=True)
class CosmologyRow:
    """The row of ``cosmology.csv``: flat ΛCDM, H0 in km/s/Mpc, Om0 the matter density today."""

    H0: float = 67.66
    Om0: float = 0.30966
    source: Source = field(default=Source("<default>"), compare=False)


DEFAULT_COSMOLOGY = CosmologyRow()


def read_cosmology(table: RawTable, errors: list[CsvError]) -> CosmologyRow | None:
    path = table.path
    check_header(table, (), COSMOLOGY_COLUMNS, errors, "", "valid: H0, Om0")
    if len(table.rows) != 1:
        errors.append(CsvError(path, table.rows[1].line, None, "cosmology.csv has more than one row",
                               "keep one row: H0,Om0"))
    raw = table.rows[0]
    n = len(errors)
    h0, om0 = (parse_float(raw, c, path, errors, required=True, domain=column_domain(path.name, c))
               if c in table.header else getattr(DEFAULT_COSMOLOGY, c) for c in COSMOLOGY_COLUMNS)
    if len(errors) > n:
        return None
    return CosmologyRow(h0, om0, Source(path.name, raw.line))


def render_cosmology(cosmology: CosmologyRow) -> str:
    return render_csv(COSMOLOGY_COLUMNS, [[cosmology.H0, cosmology.Om0]])
