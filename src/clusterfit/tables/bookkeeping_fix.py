"""``clusterfit validate --fix``: rewrite the bookkeeping cells of ``mass.csv`` in place (:mod:`.bookkeeping`)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ..output import write_files_atomic
from .bookkeeping import BOOKKEEPING_COLUMNS, BookkeepingCell, bookkeeping_cells
from .csvio import format_value
from .model import ClusterModel, _read_folder

__all__ = ["fix_bookkeeping"]


def fix_bookkeeping(folder: str | Path, model: ClusterModel | None = None) -> list[BookkeepingCell]:
    """Rewrite the empty, absent and stale bookkeeping cells of ``folder/mass.csv`` in place.

    Only those cells change (absent columns are added before ``redshift``); every other cell keeps its
    text. ``model`` defaults to the folder as read (its problems are ignored here: rows that could not be
    read are left alone). The file is replaced atomically and keeps its permissions. Returns the cells
    rewritten (none: the file is untouched)."""
    folder = Path(folder)
    path = folder / "mass.csv"
    if model is None:
        model = _read_folder(folder)[0]
    cells = bookkeeping_cells(model)
    if not cells or not path.exists():
        return []
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    records: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    for record in reader:
        records.append((start, record))
        start = reader.line_num + 1
    names = [h.strip() for h in header]
    for col in BOOKKEEPING_COLUMNS:
        if col not in names and any(c.column == col for c in cells):
            at = names.index("redshift") if "redshift" in names else len(names)
            for _, record in records:
                if len(record) == len(names):  # ragged rows (reported elsewhere) are left as they are
                    record.insert(at, "")
            names.insert(at, col)
            header.insert(at, col)
    by_line: dict[int, list[BookkeepingCell]] = {}
    for c in cells:
        by_line.setdefault(c.line, []).append(c)
    for line, record in records:
        for c in by_line.get(line, ()):
            record[names.index(c.column)] = format_value(c.expected)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(record for _, record in records)
    mode = path.stat().st_mode & 0o7777
    write_files_atomic(folder, {"mass.csv": out.getvalue()})
    os.chmod(path, mode)
    return cells
