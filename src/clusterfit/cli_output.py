"""How the command line writes: JSON results and errors, plain tables when piped, escaped user text.

* ``--json``: the result is one JSON object on stdout (:func:`print_json`); an error is one JSON object on
  stderr, ``{"error": ..., "kind": ..., "exit_code": ...}`` (:func:`report_error`), with the exit codes of
  :data:`EXIT_CODES` (docs/cli.md).
* When stdout is not a terminal (a pipe, a file), tables are printed without box drawing: aligned columns of
  plain text that ``grep``, ``awk`` and ``cut`` read (:class:`CliConsole`).
* Text from files and users (galaxy names, paths) and units such as ``[arcsec]`` are escaped, so rich prints
  them as they are instead of reading them as markup (:func:`escape`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.markup import escape as _escape
from rich.table import Table

__all__ = ["EXIT_CODES", "OK", "INVALID_INPUT", "USAGE", "INTERRUPTED", "CliConsole", "escape", "print_json",
           "report_error", "json_default", "error_json", "print_written"]

OK, INVALID_INPUT, USAGE, INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = {
    OK: "success (diff: no differences; validate: the folder is valid)",
    INVALID_INPUT: "invalid input: a bad table, file or path, or a run refused by the output policy (the "
                   "message names file, line, column); diff: the folders differ; validate: problems found",
    USAGE: "usage error: unknown command or option, a bad option value",
    INTERRUPTED: "interrupted (Ctrl-C or SIGTERM): nothing was written, earlier output is as it was",
}
_KINDS = {INVALID_INPUT: "invalid input", USAGE: "usage", INTERRUPTED: "interrupted"}


def escape(text: object) -> str:
    """``text`` made safe for rich markup: ``[arcsec]`` prints as ``[arcsec]``, ``[red]x`` as ``[red]x``."""
    return _escape(str(text))


def _unboxed(renderable: Any) -> Any:
    """``renderable`` with every table (also inside a :class:`~rich.console.Group`) drawn without a box."""
    if isinstance(renderable, Table):
        renderable.box = None
        renderable.show_edge = False
        renderable.pad_edge = False
        for column in renderable.columns:  # cells of tables inside cells
            for cell in column._cells:
                _unboxed(cell)
    elif isinstance(renderable, Group):
        for r in renderable.renderables:
            _unboxed(r)
    return renderable


class CliConsole(Console):
    """The command line's console: on a terminal as rich draws it; otherwise (``plain``) tables without box
    drawing, no colour, no live displays, lines up to 160 characters before folding."""

    def __init__(self, *, stderr: bool = False, plain: bool | None = None, **kwargs: Any) -> None:
        stream = sys.stderr if stderr else sys.stdout
        plain = not stream.isatty() if plain is None else plain
        if plain:
            kwargs.setdefault("width", 160)
            kwargs.setdefault("no_color", True)
        super().__init__(stderr=stderr, **kwargs)
        self.plain = plain

    def print(self, *objects: Any, **kwargs: Any) -> None:  # noqa: A003 (rich's name)
        if self.plain:
            objects = tuple(_unboxed(o) for o in objects)
        super().print(*objects, **kwargs)


def json_default(obj: Any) -> Any:
    """JSON for numpy scalars and arrays, paths and sets."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def print_json(obj: Any) -> None:
    """One JSON object on stdout (NaN and infinities as null: strict JSON readers refuse them)."""
    print(json.dumps(_finite(obj), default=json_default, ensure_ascii=False, allow_nan=False))


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _finite(obj.tolist())
    return obj


def report_error(message: str, code: int, as_json: bool, console: Console | None = None, **extra: Any) -> int:
    """Report a failure: with ``as_json`` one JSON object on stderr, else ``error: message`` (red on a
    terminal) on stderr. Returns ``code``. ``extra`` (e.g. ``errors=[...]``) goes into the JSON object."""
    if as_json:
        obj = {"error": message, "kind": _KINDS.get(code, "error"), "exit_code": code, **extra}
        print(json.dumps(_finite(obj), default=json_default, ensure_ascii=False), file=sys.stderr)
    else:
        console = console or CliConsole(stderr=True)
        label = "interrupted" if code == INTERRUPTED else "error"
        console.print(f"[red]{label}:[/red] {escape(message)}", highlight=False)
    return code


def error_json(e) -> dict:
    """A :class:`~clusterfit.tables.errors.CsvError` as JSON: file, line, column, message, hint."""
    return {"file": e.file, "line": e.line, "column": e.column, "message": e.message, "hint": e.hint}


def print_written(console: Console, folder: Path, key: str, notes: list[str], as_json: bool = False) -> None:
    """``wrote FOLDER: files`` (from the folder's manifest) and the notes of the output policy; with
    ``as_json`` one JSON object ``{"command", "output", "files", "notes"}``."""
    from .output import read_manifest

    files = (read_manifest(folder)["runs"].get(key) or {}).get("files") or {}
    if as_json:
        print_json({"command": key, "output": str(folder), "files": sorted(files), "notes": notes})
        return
    console.print(f"wrote {folder}: " + ", ".join(sorted(files)), highlight=False, markup=False)
    for note in notes:
        console.print(f"note: {note}", highlight=False, markup=False)
