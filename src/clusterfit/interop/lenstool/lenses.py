"""The lens model of a ``.par`` file: its potentials, limits and potfiles, in Lenstool's order.

As ``init_grille.c``: potentials are numbered in file order, a potfile's members taking the next
numbers; the k-th ``limit`` block applies to potential k (after a potfile, numbering resumes after its
members); only the first ``nlens_opt`` potentials are optimised (default 0: limits are then ignored)
and only the first ``nlentille`` potentials are used (Lenstool caps the list; without the line every
potential is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...tables import PriorRow, ProfileRow, ScalingGalaxy, ScalingRelation
from .context import Ctx, checked_block
from .par import LenstoolError, ParFile
from .potentials import (
    check_ellipticity_limits,
    cut_outside_core,
    limit_priors,
    potential_rows,
    start_inside,
)
from .potfile import member_count, read_potfile

__all__ = ["Lenses", "read_lenses"]


@dataclass(frozen=True)
class Lenses:
    mass: tuple[ProfileRow, ...]
    relations: tuple[ScalingRelation, ...]
    members: tuple[ScalingGalaxy, ...]
    priors: tuple[PriorRow, ...]


def _grille_int(par: ParFile, ctx: Ctx, key: str) -> tuple[int | None, int | None]:
    """(value, line) of ``key`` in the last grille block, or (None, None)."""
    blocks = par.blocks_named("grille")
    if not blocks:
        return None, None
    ln = checked_block(blocks[-1], ctx).get(key)
    return (None, None) if ln is None else (int(ln.number(0, par.path, key)), ln.line)


def read_lenses(par: ParFile, ctx: Ctx) -> Lenses:
    path = par.path
    n_lens, _ = _grille_int(par, ctx, "nlentille")
    n_opt, _ = _grille_int(par, ctx, "nlens_opt")
    if n_opt is None:
        n_opt = 0
        if par.blocks_named("limit"):
            ctx.note(f"{path.name}: no nlens_opt line: Lenstool's default 0 optimises no potential, so "
                     "the limit blocks set no prior")
    rows: list[tuple[int, ProfileRow]] = []
    by_index: dict[int, tuple[ProfileRow, object]] = {}
    priors: list[PriorRow] = []
    tiers: list[tuple[int, object]] = []
    ilens = ils = 0
    seen: set[tuple[str, str]] = set()
    n_potfiles = len(par.blocks_named("potfile"))
    for raw in par.blocks:
        if raw.name == "potentiel":
            b = checked_block(raw, ctx)
            block_rows = potential_rows(b, ilens, ctx)
            row = block_rows[0]
            if any(r.key in seen for r in block_rows):
                ctx.note(f"{path.name}:{b.line}: duplicate potential name {row.galaxy!r}; "
                         f"renamed {row.galaxy}_{ilens + 1}")
                block_rows = tuple(replace(r, galaxy=f"{r.galaxy}_{ilens + 1}") for r in block_rows)
                row = block_rows[0]
            seen.update(r.key for r in block_rows)
            rows += [(ilens, r) for r in block_rows]
            by_index[ilens] = (row, b)
            ilens += 1
        elif raw.name == "potfile":
            b = checked_block(raw, ctx)
            tier = read_potfile(b, len(tiers), [t.relation.tier for _, t in tiers if t], ctx,
                                n_potfiles > 1)
            tiers.append((ilens, tier))
            ilens += member_count(b, ctx)
            ils = ilens
        elif raw.name == "limit":
            b = checked_block(raw, ctx)
            target = by_index.get(ils)
            ils += 1
            if target is None:
                raise LenstoolError(path, b.line, "this limit block has no potentiel to apply "
                                    "to (Lenstool attaches the k-th limit to the k-th potential)",
                                    "put each limit block right after its potentiel block")
            row, pb = target
            name = b.label.split()[0] if b.label.split() else ""
            pname = pb.label.split()[0] if pb.label.split() else ""
            if name and pname and name != pname:
                ctx.note(f"{path.name}:{b.line}: limit {name!r} applies to potentiel {pname!r} "
                         "(Lenstool attaches limits by order, not by name)")
            if ils - 1 >= n_opt:
                if n_opt:
                    ctx.note(f"{path.name}:{b.line}: limit for {row.galaxy!r} ignored: Lenstool "
                             f"optimises only the first nlens_opt = {n_opt} potentials")
                continue
            new = cut_outside_core(row, limit_priors(b, row, ctx), ctx, b.line)
            inside = start_inside(row, new, ctx, b.line)
            if inside is not row:
                rows = [(i, inside if r is row else r) for i, r in rows]
                by_index[ils - 1] = (inside, pb)
            priors += new
    if ilens == 0:
        raise LenstoolError(path, None, "no potentiel or potfile block: the file has no mass model",
                            "a Lenstool model needs at least one 'potentiel' block")
    if n_lens is not None and n_lens < ilens:
        ctx.note(f"{path.name}: nlentille {n_lens} is less than the {ilens} potentials defined: as "
                 f"Lenstool, only the first {n_lens} are used")
        rows = [(i, r) for i, r in rows if i < n_lens]
        tiers = [(start, replace(t, members=t.members[:max(0, n_lens - start)])) if t else (start, t)
                 for start, t in tiers]
        tiers = [(s, t) for s, t in tiers if t is None or t.members]
        kept = {r.key for _, r in rows}
        priors = [p for p in priors if (p.galaxy, p.attr_name) in kept]
    elif n_lens is None:
        ctx.note(f"{path.name}: no nlentille line; every potential is used")
    check_ellipticity_limits(priors, path)
    live = [t for _, t in tiers if t is not None]
    return Lenses(tuple(r for _, r in rows), tuple(t.relation for t in live),
                  tuple(m for t in live for m in t.members),
                  tuple(priors) + tuple(p for t in live for p in t.priors))
