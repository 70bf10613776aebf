"""Every cell of a model folder's tables and the Python expression that reads it on the loaded model
(``galaxies["lens_0"].mass.sigma``, ``scaling_galaxies[2].extra["mag"]``): the check behind the guide's
claim that each CSV cell is one attribute (scripts/cluster/csv_api.py)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from clusterfit.registry import get_spec
from clusterfit.tables import TABLE_FILES, ClusterModel


@dataclass(frozen=True)
class Cell:
    where: str  # file:line
    column: str
    text: str  # the cell as written
    expression: str  # on the loaded model, e.g. galaxies["lens_0"].mass.sigma
    unused: str | None  # why an empty cell is empty: "<class> does not take it"


def _row_prefixes(file: str, rows: list[dict]) -> list[str]:
    if file in ("mass.csv", "light.csv", "point.csv"):
        return [f'galaxies["{r["galaxy"]}"].{r["attr_name"]}' for r in rows]
    if file == "point_datasets.csv":
        order: dict[str, int] = {}
        seen: dict[str, int] = {}
        out = []
        for r in rows:
            k = order.setdefault(r["name"], len(order))
            j = seen[r["name"]] = seen.get(r["name"], -1) + 1
            out.append(f"point_datasets[{k}].images[{j}]")
        return out
    table = file.removesuffix(".csv")
    return ["cosmology"] if table == "cosmology" else [f"{table}[{i}]" for i in range(len(rows))]


def _expression(file: str, prefix: str, row: dict, column: str) -> tuple[str, str | None]:
    if file in ("mass.csv", "light.csv", "point.csv"):
        if column in ("galaxy", "attr_name", "profile_class"):
            return f"{prefix}.{column}", None
        if column == "redshift":
            return f'galaxies["{row["galaxy"]}"].redshift', None
        cls = row["profile_class"]
        columns = get_spec(cls).column_to_parameter()
        if column not in columns:
            return f"{prefix}.values.get({column!r})", f"{cls} does not take it"
        p, index = columns[column]
        return (f"{prefix}.{p.name}" if index is None else f"{prefix}.{p.name}[{index}]"), None
    if file == "scaling_galaxies.csv" and column not in ("y", "x", "luminosity", "redshift"):
        return f"{prefix}.extra[{column!r}]", None
    if file == "scaling_relations.csv" and column not in ("tier", "profile_class", "luminosity_ref", "redshift"):
        return f"{prefix}.values[{column!r}]", None
    return f"{prefix}.{column}", None


def cells(folder: Path) -> list[Cell]:
    """Every cell of every table in ``folder``, in file order."""
    out = []
    for file in TABLE_FILES:
        path = Path(folder) / file
        if not path.exists():
            continue
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        for line, row, prefix in zip(range(2, len(rows) + 2), rows, _row_prefixes(file, rows), strict=True):
            for column, text in row.items():
                expression, unused = _expression(file, prefix, row, column)
                out.append(Cell(f"{file}:{line}", column, text, expression, unused))
    return out


def value(model: ClusterModel, expression: str):
    """``expression`` evaluated on ``model`` (attribute and item access only)."""
    return eval(f"m.{expression}", {"__builtins__": {}}, {"m": model})  # noqa: S307 (our own expressions)


def holds(text: str, v) -> bool:
    """Whether the cell ``text`` holds exactly the value ``v``."""
    if text == "":
        return v is None
    if isinstance(v, float):
        return float(text) == v or (math.isnan(v) and math.isnan(float(text)))
    return text == str(v)
