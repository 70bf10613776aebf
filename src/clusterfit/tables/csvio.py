"""Raw CSV reading with line numbers, number formatting, the header check. No schema here."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..registry import Domain, nearest
from .errors import CsvError

__all__ = [
    "RawRow",
    "UnreadableTable",
    "RawTable",
    "read_raw",
    "parse_float",
    "check_header",
    "format_value",
    "render_csv",
]


@dataclass(frozen=True)
class RawRow:
    """A data row: its 1-based line number in the file and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class RawTable:
    path: Path
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]


def read_raw(path: Path, errors: list[CsvError]) -> RawTable | None:
    """Read ``path`` into a :class:`RawTable`; append problems to ``errors``.

    Accepts a UTF-8 BOM. Refuses semicolon-delimited files, empty and header-only files, ragged rows,
    blank or duplicated header names. Returns ``None`` when the file cannot be used at all.
    """
    text = _read_text(path, errors)
    if text is None:
        return None
    if not text.strip():
        errors.append(CsvError(path, None, None, "the file is empty",
                               "write a header line (e.g. galaxy,attr_name,profile_class,...) "
                               "and rows, or delete the file"))
        return None
    try:
        return _parse(path, text, errors)
    except csv.Error as exc:  # NUL bytes, a cell over the csv module's size limit, ...
        errors.append(UnreadableTable(path, None, None, f"the file cannot be read as CSV: {exc}",
                               "save it as plain comma-separated text"))
        return None


def _parse(path: Path, text: str, errors: list[CsvError]) -> RawTable | None:
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header_cells = [h.strip() for h in lines[0]]
    if not any(header_cells):
        errors.append(CsvError(path, 1, None, "the first line (the header) is empty",
                               "delete the blank lines above the header"))
        return None
    if len(header_cells) == 1 and ";" in lines[0][0]:
        errors.append(CsvError(path, 1, None, "the file is semicolon-delimited",
                               "clusterfit reads comma-separated files; re-export with ',' as "
                               "the delimiter (and '.' as the decimal mark)"))
        return None
    bad = False
    seen: set[str] = set()
    for h in header_cells:
        if not h:
            errors.append(CsvError(path, 1, None, "the header has an empty column name",
                                   "name every column or remove the trailing comma"))
            bad = True
        elif h in seen:
            errors.append(CsvError(path, 1, h, "the column appears twice in the header",
                                   "keep one of them"))
            bad = True
        seen.add(h)
    if bad:
        return None
    rows: list[RawRow] = []
    n_ragged = 0
    # csv.reader gives one list per record; record i starts at file line i + 1 unless a quoted
    # cell spans lines, which we track through the reader's line_num.
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    start = reader.line_num + 1
    for cells in reader:
        line = start
        start = reader.line_num + 1
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header_cells):
            errors.append(CsvError(
                path, line, None,
                f"the row has {len(cells)} cells but the header has {len(header_cells)}",
                "add or remove commas so that every row has one cell per header column "
                "(leave unused cells empty)"))
            n_ragged += 1
            continue
        rows.append(RawRow(line, {h: c.strip() for h, c in zip(header_cells, cells, strict=True)}))
    if not rows and not n_ragged:
        errors.append(CsvError(path, None, None, "the file has a header but no rows",
                               "add rows, or delete the file if the table is not needed"))
        return None
    if not rows:
        return None
    return RawTable(path, tuple(header_cells), tuple(rows))


class UnreadableTable(CsvError):
    """A table that cannot be read at all (a folder, not UTF-8, not readable): the checks that join
    tables are skipped, since every reference into it would be reported again."""


def _read_text(path: Path, errors: list[CsvError]) -> str | None:
    """The file's text (UTF-8, BOM accepted); a folder, an unreadable file or another encoding is an
    error naming the file (and the line of the first byte that is not UTF-8)."""
    if path.is_dir():
        errors.append(UnreadableTable(path, None, None, f"{path.name} is a folder, not a CSV file",
                               f"rename or move the folder; clusterfit reads {path.name} as a table"))
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(UnreadableTable(path, None, None, f"cannot read the file: {exc.strerror or exc}",
                               "check that the file exists and that you may read it"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        byte = data[exc.start:exc.start + 1].hex()
        errors.append(UnreadableTable(path, line, None,
                               f"the file is not UTF-8 (byte 0x{byte} on this line cannot be decoded)",
                               "save it as UTF-8 (in Excel: 'CSV UTF-8'; or iconv -f latin1 -t utf-8)"))
        return None


def check_header(table: RawTable, required: Sequence[str], valid: Sequence[str] | None,
                 errors: list[CsvError], required_hint: str, unknown_hint: str | None = None) -> bool:
    """Append an error (line 1) for each ``required`` column missing from the header and, unless
    ``valid`` is None, for each header column not in ``valid`` (naming the nearest valid ones, then
    ``unknown_hint``, by default the valid list). True when every required column is there."""
    path = table.path
    for col in required:
        if col not in table.header:
            errors.append(CsvError(path, 1, col, f"the required column {col!r} is missing", required_hint))
    for col in () if valid is None else table.header:
        if col not in valid:
            hint = nearest(col, valid)
            errors.append(CsvError(path, 1, col, f"unknown column {col!r} for {path.name}",
                                   (f"did you mean {hint[0]!r}? " if hint else "")
                                   + (unknown_hint or f"valid: {', '.join(valid)}"), col))
    return all(c in table.header for c in required)


def parse_float(
    raw: RawRow, column: str, path: Path, errors: list[CsvError], *, required: bool = False,
    domain: Domain | None = None, unit: str = "",
) -> float | None:
    """The cell as a finite float; ``None`` if empty. Non-numbers, NaN and inf are errors, and so is a
    value outside ``domain`` (the parameter's domain from the registry; ``None`` is returned)."""
    cell = raw.cells.get(column, "")
    if cell == "":
        if required:
            errors.append(CsvError(path, raw.line, column, "a value is required here",
                                   "fill in a number"))
        return None
    try:
        value = float(cell)
    except ValueError:
        errors.append(CsvError(path, raw.line, column, f"{cell!r} is not a number",
                               "write a plain number such as 1.5 or 2e-3, with '.' as decimal mark",
                               cell))
        return None
    if not math.isfinite(value):
        errors.append(CsvError(path, raw.line, column, f"{cell!r} is not a finite number",
                               "NaN and inf are not allowed; leave the cell empty and make the "
                               "parameter free in priors.csv, or write a number", cell))
        return None
    if domain is not None:
        from .domains import domain_error

        err = domain_error(path, raw.line, column, value, domain, unit)
        if err is not None:
            errors.append(err)
            return None
    return value


def format_value(value: object) -> str:
    """A cell's text: floats with ``repr`` precision (write → read is exact), None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return repr(float(value))
    return str(value)


def render_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The text of a CSV file (``\\n`` line endings), every cell through :func:`format_value`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([format_value(v) for v in row])
    return buffer.getvalue()

