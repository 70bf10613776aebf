"""Lenstool ``.par`` files as plain data: blocks of keyword lines. No lensing here.

:func:`parse_par` reads a parameter file into :class:`ParBlock` objects (block name canonicalised as
Lenstool's ``init_grille`` matches it, keywords lower-case, 1-based line numbers kept for error
messages). What each keyword means is in :mod:`.keywords`. See docs/lenstool.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from .keywords import block_name, near_blocks

__all__ = ["LenstoolError", "ParLine", "ParBlock", "ParFile", "parse_par", "parse_number"]


class LenstoolError(ValueError):
    """A problem in a Lenstool file: ``file``, 1-based ``line`` (or None), ``message``, ``hint``."""

    def __init__(self, file: str | Path, line: int | None, message: str, hint: str = "") -> None:
        self.file = str(file)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        where = Path(self.file).name + ("" if self.line is None else f":{self.line}")
        text = f"{where}: {self.message}"
        return text + (f" (hint: {self.hint})" if self.hint else "")

    def __reduce__(self):
        return (LenstoolError, (self.file, self.line, self.message, self.hint))


@dataclass(frozen=True)
class ParLine:
    """``key args...`` inside a block; ``key`` lower-case, ``args`` the remaining tokens."""

    key: str
    args: tuple[str, ...]
    line: int

    def number(self, i: int, file: str | Path, what: str = "") -> float:
        """Argument ``i`` as a float (C ``sscanf`` style: missing or malformed is an error)."""
        if i >= len(self.args):
            raise LenstoolError(file, self.line, f"{self.key}: expected {what or 'a number'} as "
                                f"argument {i + 1}, found nothing", "complete the line")
        return parse_number(self.args[i], file, self.line, f"{self.key} {what}".strip())

    def flag(self, file: str | Path) -> int:
        """Argument 0 as an integer flag (limit/prior type)."""
        v = self.number(0, file, "flag")
        if v != int(v):
            raise LenstoolError(file, self.line, f"{self.key}: the flag {self.args[0]!r} is not an "
                                "integer", "write 0 (fixed), 1 (uniform) or 3 (Gaussian)")
        return int(v)


@dataclass(frozen=True)
class ParBlock:
    """A block: canonical ``name``, ``word`` as written, ``label`` (rest of the header line)."""

    name: str
    word: str
    label: str
    lines: tuple[ParLine, ...]
    line: int

    def get(self, *keys: str) -> ParLine | None:
        """The last line whose key is one of ``keys`` (Lenstool keeps the last value)."""
        found = None
        for ln in self.lines:
            if ln.key in keys:
                found = ln
        return found

    def all(self, *keys: str) -> list[ParLine]:
        return [ln for ln in self.lines if ln.key in keys]

    def with_lines(self, lines: tuple[ParLine, ...]) -> ParBlock:
        return replace(self, lines=lines)


@dataclass(frozen=True)
class ParFile:
    """A parsed ``.par`` file: blocks in file order and the comment lines (without ``#``)."""

    path: Path
    blocks: tuple[ParBlock, ...]
    comments: tuple[tuple[int, str], ...]
    notes: tuple[str, ...]

    def blocks_named(self, name: str) -> list[ParBlock]:
        return [b for b in self.blocks if b.name == name]

    def with_blocks(self, blocks: tuple[ParBlock, ...]) -> ParFile:
        return replace(self, blocks=blocks)


def parse_number(token: str, file: str | Path, line: int | None, what: str = "") -> float:
    try:
        v = float(token)
    except ValueError:
        raise LenstoolError(file, line, f"{what + ': ' if what else ''}{token!r} is not a number",
                            "write a plain decimal number such as 12.5 or 1e-3") from None
    if not math.isfinite(v):
        raise LenstoolError(file, line, f"{what + ': ' if what else ''}{token!r} is not finite",
                            "write a finite number")
    return v


def _strip_comment(text: str) -> str:
    i = text.find("#")
    return text if i < 0 else text[:i]


def parse_par(path: str | Path) -> ParFile:
    """Read a Lenstool ``.par`` file into blocks.

    Rules (Lenstool's reader, made strict): a block starts with its name (``potentiel O1``,
    ``potfile 1``) and ends with ``end``; ``fini`` (``finish``) ends the file; ``#`` starts a comment.
    Unknown block names (with a did-you-mean), a block without ``end``, a new block header at the start
    of a line inside a block, an empty file and a file without ``fini`` (cut off) are errors naming
    the file and line. A stray ``end`` between blocks is ignored with a note.
    """
    path = Path(path)
    if not path.is_file():
        raise LenstoolError(path, None, "file not found", "check the path of the .par file")
    text = path.read_text(encoding="latin-1")
    blocks: list[ParBlock] = []
    comments: list[tuple[int, str]] = []
    notes: list[str] = []
    current: tuple[str, str, str, int, list[ParLine]] | None = None
    finished = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            comments.append((lineno, stripped[1:].strip()))
            continue
        body = _strip_comment(raw)
        tokens = body.split()
        if not tokens:
            continue
        word = tokens[0]
        name = block_name(word)
        if current is None:
            if name == "fini":
                finished = True
                break
            if name == "end":
                notes.append(f"{path.name}:{lineno}: a stray 'end' outside any block was ignored")
                continue
            if name is None:
                near = near_blocks(word)
                raise LenstoolError(path, lineno, f"unknown Lenstool block {word!r}",
                                    (f"did you mean {near[0]!r}? " if near else "")
                                    + "a block starts with runmode, image, grille (grid), source, "
                                    "potentiel (potential), limit, potfile, cosmologie (cosmology), "
                                    "cline, grande, champ (field), observ, ...; check the spelling or "
                                    "a missing 'end' above")
            current = (name, word, " ".join(tokens[1:]), lineno, [])
            continue
        cname, cword, clabel, cline, clines = current
        if name == "end":
            blocks.append(ParBlock(cname, cword, clabel, tuple(clines), cline))
            current = None
            continue
        starts_line = not raw[:1].isspace()
        if name == "fini" or (starts_line and name in ("potentiel", "limit", "potfile") and
                              word.lower() not in _KEYS_LIKE_BLOCKS.get(cname, ())):
            raise LenstoolError(path, cline, f"block {cword!r} (line {cline}) has no 'end' before "
                                f"{word!r} on line {lineno}", "close every block with a line 'end'")
        clines.append(ParLine(word.lower(), tuple(tokens[1:]), lineno))
    if current is not None:
        raise LenstoolError(path, current[3], f"block {current[1]!r} has no 'end' (the file ends "
                            "inside it)", "close every block with a line 'end'")
    if not blocks and not finished:
        raise LenstoolError(path, None, "the file has no Lenstool block (empty?)",
                            "a .par file has runmode, image, grille, potentiel, cosmologie blocks "
                            "and ends with 'fini'")
    if not finished:
        raise LenstoolError(path, blocks[-1].line, "the file ends without 'fini' after block "
                            f"{blocks[-1].word!r}: it looks cut off", "complete the file; Lenstool "
                            "reads blocks until a line 'fini' (or 'finish')")
    return ParFile(path, tuple(blocks), tuple(comments), tuple(notes))


# Keys that look like block names but are keywords of that block (runmode has `image`, `source`).
_KEYS_LIKE_BLOCKS = {"runmode": ("image", "source"), "grande": ("profil",)}
