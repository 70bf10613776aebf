"""``potfile`` blocks → one scaling tier each, with its member catalogue (Lenstool ``r_potfile.c``,
``set_potfile.c``, ``scale_pot``). Keywords arrive canonical (:func:`.context.checked_block`).

L = 10^(0.4 (mag0 − mag)), luminosity_ref = 1; σ exponent 1/vdslope, r_cut exponent 2/slope, r_core
exponent 1/2. A cut limit that lets a member's r_cut reach its r_core is raised above it, as a potential's
(:func:`.potentials.cut_above`). Lenstool's defaults where a line is absent (``set_default.c``): ``type`` 81, ``mag0`` 17,
``slope`` 4, ``vdslope`` 4, no scatter; each default used is noted. ``filein 0`` is not read (the
potfile adds no member), as Lenstool's flag says. Member coordinates follow ``set_potfile.c``: a
``#REFERENCE 3`` header gives relative arcsec about it; without one (or ``#REFERENCE 0``), ``filein 1``
rows are relative arcsec about the runmode reference and ``filein 3`` rows absolute RA/Dec.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...tables import PriorRow, ScalingGalaxy, ScalingRelation, Source
from .catalogue import read_catalogue, to_offsets
from .context import Ctx
from .par import LenstoolError, ParBlock
from .potentials import cut_above, lenstool_prior
from .units import ellipticity_from_axes

__all__ = ["Tier", "read_potfile"]


@dataclass(frozen=True)
class Tier:
    relation: ScalingRelation
    members: tuple[ScalingGalaxy, ...]
    priors: tuple[PriorRow, ...]


def _param(b: ParBlock, key: str, ctx: Ctx, tier: str, column: str, scale: float):
    """``key flag v1 v2 [start]`` → (value, prior). Flag 1: value = start if given, else v1 (as
    Lenstool, which starts at v1); flag 0 or 3: value = v1."""
    ln = b.get(key)
    if ln is None:
        return None
    flag = ln.flag(ctx.path)
    value = ln.number(1, ctx.path, "value")
    if flag == 1 and len(ln.args) > 3:
        value = ln.number(3, ctx.path, "start value")
    return value * scale, lenstool_prior(ln, ctx.path, tier, "scaling", column, scale)


def _default(b: ParBlock, key: str, ctx: Ctx, value: float, what: str) -> float:
    ln = b.get(key)
    if ln is None:
        ctx.note(f"{ctx.path.name}:{b.line}: potfile has no {key} line: Lenstool's default {what}")
        return value
    return ln.number(0 if key in ("mag0", "type") else 1, ctx.path, key)


def read_potfile(b: ParBlock, index: int, taken: list[str], ctx: Ctx, tag: bool) -> Tier | None:
    """One potfile block as a tier (None for ``filein 0``)."""
    path = ctx.path
    fin = b.get("filein")
    if fin is None or len(fin.args) < 2:
        raise LenstoolError(path, b.line, "potfile has no 'filein type file' line",
                            "write 'filein 1 members.cat'")
    ftype = fin.flag(path)
    if ftype == 0:
        ctx.note(f"{path.name}:{fin.line}: potfile filein 0: the catalogue is not read (no members)")
        return None
    if ftype not in (1, 3):
        raise LenstoolError(path, fin.line, f"filein type {ftype} is not supported",
                            "use 1 (relative arcsec) or 3 (RA/Dec degrees)")
    tier = _tier_name(b, index, taken)
    typ = _default(b, "type", ctx, 81.0, "type 81 (dPIE)")
    if typ != 81:
        raise LenstoolError(path, b.get("type").line, f"potfile type {typ:g} is not supported",
                            "clusterfit imports potfiles of type 81 (dPIE)")
    zln = b.get("zlens")
    if zln is None:
        raise LenstoolError(path, b.line, "potfile has no zlens", "write 'zlens 0.3'")
    z = zln.number(0, path, "zlens")
    if z <= 0:
        raise LenstoolError(path, zln.line, f"potfile zlens must be > 0 (got {z:g})", "write 'zlens 0.3'")
    scale = ctx.scale(z)
    mag0 = _default(b, "mag0", ctx, 17.0, "mag0 17")
    for key in ("vdscat", "rcutscat"):
        ln = b.get(key)
        if ln is not None and (ln.flag(path) != 0 or ln.number(1, path) != 0):
            raise LenstoolError(path, ln.line, f"{key} (random scatter) is not supported",
                                f"write '{key} 0 0 0'")
    sel = b.get("select")
    if sel is not None and sel.number(0, path, "select") != 0:
        ctx.note(f"{path.name}:{sel.line}: potfile 'select' (members chosen by Einstein radius) ignored: "
                 "every member of the catalogue is kept")
    sigma = _param(b, "sigma", ctx, tier, "sigma_ref", 1.0)
    cut = _param(b, "cut", ctx, tier, "r_cut_ref", 1.0) or _param(b, "cutkpc", ctx, tier, "r_cut_ref",
                                                                   1.0 / scale)
    if sigma is None or cut is None:
        raise LenstoolError(path, b.line, "potfile needs sigma and cut (or cutkpc)",
                            "write 'sigma 0 150 0' and 'cutkpc 0 40 0' (Lenstool has no defaults)")
    if sigma[0] < 0:
        raise LenstoolError(path, b.get("sigma").line, "potfile sigma is negative", "write σ in km/s")
    core_ln, corekpc_ln = b.get("core"), b.get("corekpc")
    if core_ln is not None:
        core = core_ln.number(0, path, "core")
    elif corekpc_ln is not None:
        core = corekpc_ln.number(0, path, "corekpc") / scale
    else:
        raise LenstoolError(path, b.line, "potfile has no core length",
                            "write 'corekpc 0.15' or 'core 0.03'")
    exps = {}
    for key, col, num in (("slope", "r_cut_exponent", 2.0), ("vdslope", "sigma_exponent", 1.0)):
        ln = b.get(key)
        if ln is not None and ln.flag(path) != 0:
            raise LenstoolError(path, ln.line, f"a free {ln.key} is not supported", f"fix it: '{key} 0 4 0'")
        exps[col] = num / _default(b, key, ctx, 4.0, f"{key} 4")
    members, spherical = _members(b, fin.args[1], ftype, ctx, tier, mag0, z, tag)
    if cut[1] is not None and members:  # each member's r_cut above its r_core, in the whole limit
        top = max(core * r ** (0.5 - exps["r_cut_exponent"]) for r in (m.luminosity for m in members))
        prior = cut_above(cut[1], top, f"{tier}.r_cut_ref (every member's r_cut above its r_core)", ctx, b.line)
        cut = max(cut[0], prior.lower if prior.lower is not None else cut[0]), prior  # the start inside it
    relation = ScalingRelation(
        tier, "dPIEMassSph" if spherical else "dPIEMass", 1.0,
        {"sigma_ref": sigma[0], "sigma_exponent": exps["sigma_exponent"], "r_core_ref": core,
         "r_core_exponent": 0.5, "r_cut_ref": cut[0], "r_cut_exponent": exps["r_cut_exponent"]},
        z, Source(path.name, b.line))
    return Tier(relation, tuple(members), tuple(p for p in (sigma[1], cut[1]) if p is not None))


def member_count(b: ParBlock, ctx: Ctx) -> int:
    """How many potentials the potfile adds (Lenstool numbers its limits after them)."""
    fin = b.get("filein")
    if fin is None or len(fin.args) < 2 or fin.flag(ctx.path) == 0:
        return 0
    return len(read_catalogue(ctx.path.parent / fin.args[1], 6, "member").rows)


def _tier_name(b: ParBlock, i: int, taken: list[str]) -> str:
    """``potfile members`` → ``members``; ``potfile``, ``potfile0``, ``potfile 1`` → ``potfile<i>``
    with ``i`` the potfile's order in the file (as ``bestopt.par`` numbers them)."""
    label = b.label.split()[0] if b.label.split() else ""
    name = label if label and not label.replace(".", "").isdigit() else f"potfile{i}"
    while name in taken:
        name += "_"
    return name


def _members(b: ParBlock, file: str, ftype: int, ctx: Ctx, tier: str, mag0: float, z: float, tag: bool):
    cat = read_catalogue(ctx.path.parent / file, 6, "member")
    cat_ref = cat.reference
    out: list[tuple] = []
    for r in cat.rows:
        x, y, a, bb, theta, mag = r.values[:6]
        if mag == 0:
            raise LenstoolError(cat.path, r.line, f"member {r.id} has mag 0, which Lenstool does "
                                "not scale", "give every member its magnitude")
        if a <= 0 or bb <= 0:
            raise LenstoolError(cat.path, r.line, f"member {r.id}: axes a, b must be > 0",
                                "write the semi-axes (any unit, only the ratio matters)")
        e = ellipticity_from_axes(a, bb)
        if e < 0:
            e, theta = -e, theta + 90.0
        if cat_ref is None and ftype == 1:  # Lenstool's convertXY_compat: relative about the reference
            yy, xx = y, x
        else:
            yy, xx = to_offsets(x, y, cat_ref, ctx.ref, cat.path, r.line)
        extra: dict = {"id": r.id, "mag": mag, "ellipticity": e, "angle_pos": theta}
        if len(r.values) > 6 and r.values[6] != 0:
            extra["lum"] = r.values[6]
        out.append((yy, xx, 10 ** (0.4 * (mag0 - mag)), extra, r.line))
    spherical = all(o[3]["ellipticity"] == 0 for o in out)
    members = []
    for yy, xx, lum, extra, line in out:
        if spherical:
            extra = {k: v for k, v in extra.items() if k not in ("ellipticity", "angle_pos")}
        if tag:
            extra["tier"] = tier
        members.append(ScalingGalaxy(yy, xx, lum, z, extra, Source(cat.path.name, line)))
    return members, spherical
