"""Input errors that point at a file, a line (as numbered in the file, header = 1) and a column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvError", "CsvErrors", "CsvWarning"]


@dataclass(frozen=True, eq=True)
class _Where:
    path: str
    line: int | None
    column: str | None


class CsvError(ValueError):
    """One problem in one CSV cell, row or file.

    Attributes: ``path`` (file), ``line`` (1-based line in the file, header = 1; ``None`` for
    whole-file problems), ``column`` (header name or ``None``), ``message``, ``hint`` (what to do)
    and ``value`` (the offending cell, if any).
    """

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        column: str | None,
        message: str,
        hint: str = "",
        value: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        self.value = value
        super().__init__(self.format())

    @property
    def file(self) -> str:
        return Path(self.path).name

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column is not None:
            where += f" column {self.column!r}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def __reduce__(self):
        return (CsvError, (self.path, self.line, self.column, self.message, self.hint, self.value))


class CsvErrors(ValueError):
    """Every problem found in a folder, raised together so a user fixes them in one pass."""

    def __init__(self, errors: list[CsvError]) -> None:
        self.errors = list(errors)
        n = len(self.errors)
        lines = "\n".join(f"  {e.format()}" for e in self.errors)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the model folder:\n{lines}")

    def __iter__(self):
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)


class CsvWarning(UserWarning):
    """Something a user may mean but should know (e.g. a system with one image): ``validate`` prints it
    and exits 0; ``load_model`` issues it with :func:`warnings.warn`. Same fields as :class:`CsvError`."""

    def __init__(self, path: str | Path, line: int | None, column: str | None, message: str,
                 hint: str = "") -> None:
        self.path, self.line, self.column, self.message, self.hint = str(path), line, column, message, hint
        super().__init__(self.format())

    file = CsvError.file
    format = CsvError.format

    def __reduce__(self):
        return (CsvWarning, (self.path, self.line, self.column, self.message, self.hint))
