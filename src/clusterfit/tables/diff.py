"""Cell-level differences between two model folders, rows aligned by key."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .model import ClusterModel, render_model

__all__ = ["CellDiff", "diff_models"]

KEYS = {
    "mass.csv": ("galaxy", "attr_name"), "light.csv": ("galaxy", "attr_name"),
    "point.csv": ("galaxy", "attr_name"), "scaling_relations.csv": ("tier",),
    "priors.csv": ("galaxy", "attr_name", "parameter"),
}


@dataclass(frozen=True)
class CellDiff:
    file: str
    key: str
    column: str
    a: str | None
    b: str | None

    def __str__(self) -> str:
        a = "(absent)" if self.a is None else repr(self.a)
        b = "(absent)" if self.b is None else repr(self.b)
        return f"{self.file} [{self.key}] {self.column}: {a} → {b}"


def _keyed(name: str, text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = KEYS.get(name)
    out = {}
    for i, row in enumerate(rows):
        key = ", ".join(row[k] for k in keys) if keys else f"row {i + 1}"
        out[key] = row
    return out


def diff_models(a: ClusterModel, b: ClusterModel) -> list[CellDiff]:
    """Every differing cell, comparing the tables as written (so values compare exactly)."""
    ta, tb = render_model(a), render_model(b)
    diffs = []
    for name in list(ta) + [n for n in tb if n not in ta]:
        ra, rb = _keyed(name, ta.get(name, "")), _keyed(name, tb.get(name, ""))
        for key in list(ra) + [k for k in rb if k not in ra]:
            rowa, rowb = ra.get(key), rb.get(key)
            cols = list(rowa or {}) + [c for c in (rowb or {}) if c not in (rowa or {})]
            for col in cols:
                va = None if rowa is None else rowa.get(col)
                vb = None if rowb is None else rowb.get(col)
                if (va or None) != (vb or None):
                    diffs.append(CellDiff(name, key, col, va, vb))
    return diffs
