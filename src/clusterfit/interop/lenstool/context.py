"""The state of one import: file, cosmology, sky reference, notes; keyword checking of a block."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ...physics.cosmology import Cosmology
from ...tables import CosmologyRow
from .keywords import USED, canonical_key, near_keys
from .par import LenstoolError, ParBlock, ParLine

__all__ = ["Ctx", "checked_block"]

log = logging.getLogger("clusterfit.interop.lenstool")


@dataclass
class Ctx:
    """``path``: the .par file; ``ref``: its ``reference`` (RA0, DEC0) in degrees or None."""

    path: Path
    cosmology: CosmologyRow
    ref: tuple[float, float] | None
    notes: list[str]
    _scales: dict[float, float] = field(default_factory=dict)
    _said: set = field(default_factory=set)

    def scale(self, z: float) -> float:
        """kpc per arcsec at ``z`` as Lenstool converts it: :func:`clusterfit.physics.cosmology.kpc_per_arcsec`
        of flat ΛCDM (H0, Om0) without radiation (``Tcmb0 = 0``), as Lenstool's distances have none
        (Ω_m + Ω_Λ = 1); with radiation the scale is ~3e-5 smaller at z = 0.3."""
        if z not in self._scales:
            self._scales[z] = Cosmology(self.cosmology.H0, self.cosmology.Om0, Tcmb0=0.0).kpc_per_arcsec(z)
        return self._scales[z]

    def note(self, text: str) -> None:
        self.notes.append(text)
        log.info(text)

    def note_once(self, key: object, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self.note(text)


def checked_block(b: ParBlock, ctx: Ctx) -> ParBlock:
    """``b`` with every keyword replaced by its canonical Lenstool spelling (:mod:`.keywords`).

    A keyword Lenstool knows but that does not change the mass model or the constraints is dropped and
    listed once in the notes; a word Lenstool does not know is dropped with a note (Lenstool ignores
    it too), unless it is a near miss of a known keyword: then it is an error with a did-you-mean."""
    lines: list[ParLine] = []
    used = USED.get(b.name, ())
    for ln in b.lines:
        canon = canonical_key(b.name, ln.key)
        if canon is None:
            near = near_keys(b.name, ln.key)
            if near:
                raise LenstoolError(ctx.path, ln.line, f"{ln.key!r} is not a {b.name} keyword",
                                    f"did you mean {near[0]!r}?")
            ctx.note_once((b.name, ln.key, "unknown"),
                          f"{ctx.path.name}:{ln.line}: {ln.key!r} is not a Lenstool {b.name} keyword; "
                          "ignored, as Lenstool ignores it")
            continue
        if canon not in used and b.name == "limit" and ln.args and ln.args[0] not in ("0", "0."):
            raise LenstoolError(ctx.path, ln.line, f"limit frees {ln.key!r}, which clusterfit does not "
                                "model", "fix it (flag 0) or remove the line")
        if canon not in used:
            ctx.note_once((b.name, canon), f"{ctx.path.name}:{ln.line}: {b.name} keyword {ln.key!r} "
                          "accepted; it does not change the mass model or the image constraints")
            continue
        lines.append(ParLine(canon, ln.args, ln.line))
    return b.with_lines(tuple(lines))
