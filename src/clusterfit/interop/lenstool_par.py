"""Lenstool ``.par`` files and catalogues as plain data: blocks of keyword lines, catalogue rows.

No lensing here. :func:`parse_par` reads a parameter file into :class:`ParBlock` objects (block name
canonicalised, keywords lower-case, 1-based line numbers kept for error messages);
:func:`read_catalogue` reads a Lenstool catalogue (``id x y a b theta z mag`` or ``id x y a b theta
mag lum``) with its ``#REFERENCE`` header. Coordinates: :func:`radec_to_xy` / :func:`xy_to_radec`
(x = −(RA − RA0)·cos(DEC0)·3600, West positive; y = (DEC − DEC0)·3600, arcsec). See docs/lenstool.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LenstoolError",
    "ParLine",
    "ParBlock",
    "ParFile",
    "CatalogueRow",
    "Catalogue",
    "parse_par",
    "read_catalogue",
    "radec_to_xy",
    "xy_to_radec",
    "USED_BLOCKS",
    "SKIPPED_BLOCKS",
]

# Block names as Lenstool's init_grille matches them: (canonical name, accepted prefix or exact word).
_PREFIX_BLOCKS = (
    ("potfile", "potfile"), ("potentiel", "potent"), ("limit", "limit"), ("image", "image"),
    ("grille", "grille"), ("grille", "grid"), ("cosmologie", "cosmolog"), ("multiscale", "multi"),
    ("dynfile", "dynfile"), ("grande", "grande"), ("observ", "observ"),
)
_EXACT_BLOCKS = ("runmode", "cleanlens", "source", "shapemodel", "shapelimit", "cline", "champ",
                 "vfield", "vfieldlimit", "cosmolimit")
USED_BLOCKS = ("runmode", "image", "grille", "source", "potentiel", "limit", "potfile", "cosmologie",
               "cosmolimit")
"""Blocks whose content the importer reads."""
SKIPPED_BLOCKS = ("cline", "grande", "champ", "observ", "cleanlens", "shapemodel", "shapelimit",
                  "dynfile", "vfield", "vfieldlimit")
"""Blocks about maps, outputs or extended sources: they do not change the mass model; skipped."""


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


@dataclass(frozen=True)
class ParFile:
    """A parsed ``.par`` file: blocks in file order and the comment lines (without ``#``)."""

    path: Path
    blocks: tuple[ParBlock, ...]
    comments: tuple[tuple[int, str], ...]
    notes: tuple[str, ...]

    def blocks_named(self, name: str) -> list[ParBlock]:
        return [b for b in self.blocks if b.name == name]


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


def block_name(word: str) -> str | None:
    """Canonical block name for a header word, as Lenstool matches it (None: not a block)."""
    w = word.lower()
    if w in ("fini", "end"):
        return w
    if w in _EXACT_BLOCKS:
        return w
    if w == "potential" or w.startswith("potent"):
        return "potentiel"
    if w == "cosmology":
        return "cosmologie"
    for name, prefix in _PREFIX_BLOCKS:
        if w.startswith(prefix):
            return name
    return None


def _strip_comment(text: str) -> str:
    i = text.find("#")
    return text if i < 0 else text[:i]


def parse_par(path: str | Path) -> ParFile:
    """Read a Lenstool ``.par`` file into blocks.

    Rules (Lenstool's reader, made strict): a block starts with its name (``potentiel O1``,
    ``potfile 1``) and ends with ``end``; ``fini`` ends the file; ``#`` starts a comment. Unknown block
    names, a block without ``end`` and a new block header at the start of a line inside a block are
    errors naming the file and line. A stray ``end`` between blocks is ignored with a note.
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
                raise LenstoolError(path, lineno, f"unknown Lenstool block {word!r}",
                                    "a block starts with runmode, image, grille, source, potentiel, "
                                    "limit, potfile, cosmologie, cline, grande, champ, observ, ...; "
                                    "check the spelling or a missing 'end' above")
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
    if not finished:
        notes.append(f"{path.name}: no 'fini' line at the end (Lenstool needs one)")
    return ParFile(path, tuple(blocks), tuple(comments), tuple(notes))


# Keys that look like block names but are keywords of that block (runmode has `image`, `source`).
_KEYS_LIKE_BLOCKS = {"runmode": ("image", "source"), "grande": ("profil",)}


@dataclass(frozen=True)
class CatalogueRow:
    """A catalogue line: ``id`` (text), the numeric columns, and its 1-based line number."""

    id: str
    values: tuple[float, ...]
    line: int


@dataclass(frozen=True)
class Catalogue:
    """A Lenstool catalogue. ``reference``: the ``#REFERENCE`` header as (kind, ra, dec) or None."""

    path: Path
    reference: tuple[int, float, float] | None
    rows: tuple[CatalogueRow, ...]


def read_catalogue(path: str | Path, min_columns: int, what: str) -> Catalogue:
    """Read a whitespace catalogue: ``#REFERENCE k ra dec`` header, ``#`` comment rows skipped.

    Each data row needs an id and at least ``min_columns`` numbers; a short row or a bad number is
    an error naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise LenstoolError(path, None, f"{what} catalogue not found",
                            "catalogue paths in the .par file are relative to the .par file")
    reference = None
    rows = []
    for lineno, raw in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            toks = s[1:].split()
            if toks and toks[0].upper() == "REFERENCE":
                if len(toks) < 2:
                    raise LenstoolError(path, lineno, "#REFERENCE needs a kind (0 or 3)",
                                        "write '#REFERENCE 3 ra dec' or '#REFERENCE 0'")
                kind = parse_number(toks[1], path, lineno, "#REFERENCE kind")
                ra = parse_number(toks[2], path, lineno, "#REFERENCE ra") if len(toks) > 2 else 0.0
                dec = parse_number(toks[3], path, lineno, "#REFERENCE dec") if len(toks) > 3 else 0.0
                if kind == 3 and len(toks) < 4:
                    raise LenstoolError(path, lineno, "#REFERENCE 3 needs ra and dec in degrees",
                                        "write '#REFERENCE 3 ra dec'")
                reference = (int(kind), ra, dec)
            continue
        toks = s.split()
        if len(toks) < 1 + min_columns:
            raise LenstoolError(path, lineno, f"{what} row has {len(toks)} columns, expected at "
                                f"least {1 + min_columns}", "comment the row out with '#' or "
                                "complete it")
        vals = tuple(parse_number(t, path, lineno, f"{what} column {j + 2}")
                     for j, t in enumerate(toks[1:8]))
        rows.append(CatalogueRow(toks[0], vals, lineno))
    return Catalogue(path, reference, tuple(rows))


def radec_to_xy(ra: float, dec: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Degrees → Lenstool relative arcsec (x West-positive, y North-positive) about (ra0, dec0)."""
    x = -(ra - ra0) * math.cos(math.radians(dec0)) * 3600.0
    y = (dec - dec0) * 3600.0
    return x, y


def xy_to_radec(x: float, y: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Inverse of :func:`radec_to_xy`."""
    return ra0 - x / (3600.0 * math.cos(math.radians(dec0))), dec0 + y / 3600.0
