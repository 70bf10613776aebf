"""The constraints of a ``.par`` file: its multiple images, point sources and source redshifts
(Lenstool ``r_image.c``, ``f_shape.c``, ``o_prep_mult.c``). Keywords arrive canonical.

- ``multfile n file``: n = 0 is not read; rows ``id x y a b theta z mag`` (n = 2 adds two columns,
  ignored). Images of one system share the id before its last ``.`` (``1.1 1.2``; ``1a 1b`` → ``1``).
- ``sigposArcsec σ`` (or ``sigposArcsec 0 σ σmax``; ``sigpos σ²``) is every image's positional error;
  Lenstool's default is 0.2″.
- a system's redshift is its catalogue ``z``; ``z < 0.01`` means unknown and needs a ``z_m_limit opt
  names flag min max step`` line (flag 0: fixed at min, as ``best.par`` writes fitted redshifts; 1:
  Uniform(min, max), starting at the midpoint; 3: Gaussian(min, max)). ``names`` may list several
  systems sharing one redshift (separated by spaces, or commas).
- ``best.par`` also writes every fitted redshift as a header line ``#<names> z:<z> dlsds:<r>``, and,
  when ``sigposArcsec`` was optimised, each image's σ² as a grille line ``sigposAs <id> <σ²>``.
- ``runmode source n file`` (n ≠ 0): point-source positions ``id x y a b theta z mag``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...tables import PointImage, PriorRow, ProfileRow, Source
from ...tables.rows import REDSHIFT
from .catalogue import read_catalogue, to_offsets
from .context import Ctx, checked_block
from .par import LenstoolError, ParBlock, ParFile, ParLine
from .potentials import lenstool_prior

__all__ = ["Constraints", "read_constraints", "fitted_redshifts", "fitted_sigmas",
           "system_id", "Z_UNKNOWN"]

Z_UNKNOWN = 0.01  # Lenstool: a catalogue z below this is unknown (o_prep_mult.c)
SIGPOS_DEFAULT = 0.2  # arcsec, set_default.c


@dataclass(frozen=True)
class Constraints:
    images: tuple[PointImage, ...]
    points: tuple[ProfileRow, ...]
    priors: tuple[PriorRow, ...]


def system_id(image_id: str) -> str:
    """System of an image: the id before its last '.', else the id without trailing letters."""
    if "." in image_id:
        return image_id.rsplit(".", 1)[0]
    root = image_id.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return root or image_id


def _match(name: str, systems) -> str | None:
    """The catalogue system a z_m_limit (or header) name designates, as Lenstool's ``indexCmp``."""
    for cand in (name, system_id(name)):
        if cand in systems:
            return cand
    try:
        as_int = str(int(float(name)))
    except ValueError:
        return None
    return as_int if as_int in systems else None


def _z_m_lines(b: ParBlock, ctx: Ctx) -> list[tuple[list[str], ParLine]]:
    """Each ``z_m_limit`` line with opt > 0 as (system names, the line shifted to ``flag min max``)."""
    out = []
    for ln in b.all("z_m_limit"):
        if len(ln.args) < 5:
            raise LenstoolError(ctx.path, ln.line, "z_m_limit needs: opt names flag min max step",
                                "write 'z_m_limit 1 3 1 1.0 6.0 0.1'")
        if ln.number(0, ctx.path, "opt") <= 0:
            continue
        tail = 4 if len(ln.args) >= 6 else 3  # Lenstool needs the step; tolerate its absence
        names = [n for tok in ln.args[1:len(ln.args) - tail] for n in tok.split(",") if n]
        out.append((names, ParLine(ln.key, ln.args[len(ln.args) - tail:], ln.line)))
    return out


_HEADER = re.compile(r"^(?P<names>.+?)\s+z:\s*(?P<z>[-+0-9.eE]+)\s+dlsds:")


def fitted_redshifts(par: ParFile, ctx: Ctx, blocks: bool = True) -> dict[str, tuple[float, Source]]:
    """The source redshifts a ``best.par`` reports, by system name: its image block's fixed
    ``z_m_limit`` lines (flag 0; only with ``blocks``), else its header lines ``#<names> z:<z> dlsds:<r>``."""
    out: dict[str, tuple[float, Source]] = {}
    for lineno, text in par.comments:
        m = _HEADER.match(text)
        if m:
            z = float(m.group("z"))
            for name in m.group("names").replace(",", " ").split():
                out[name] = (z, Source(par.path.name, lineno))
    for raw in par.blocks_named("image") if blocks else ():
        for names, ln in _z_m_lines(checked_block(raw, ctx), ctx):
            if ln.flag(ctx.path) == 0:
                for name in names:
                    out[name] = (ln.number(1, ctx.path, "z"), Source(par.path.name, ln.line))
    return out


def fitted_sigmas(par: ParFile, ctx: Ctx) -> dict[str, list[tuple[float, Source]]]:
    """Per-image positional errors a ``best.par`` reports when Lenstool optimised ``sigposArcsec``: its
    grille lines ``sigposAs <first image id of the system> <σ²>``, one per image (``o_print_res.c``), by
    system."""
    out: dict[str, list[tuple[float, Source]]] = {}
    for raw in par.blocks_named("grille"):
        for ln in checked_block(raw, ctx).all("sigposas"):
            if len(ln.args) < 2:
                raise LenstoolError(ctx.path, ln.line, "sigposAs needs an image id and σ²",
                                    "Lenstool writes 'sigposAs 1.1 0.25'")
            var = ln.number(1, ctx.path, "σ²")
            if not var > 0:
                raise LenstoolError(ctx.path, ln.line, f"sigposAs σ² {var:g} is not > 0", "write σ² > 0")
            out.setdefault(system_id(ln.args[0]), []).append((var ** 0.5, Source(par.path.name, ln.line)))
    return out


def _sigma(b: ParBlock, ctx: Ctx) -> float:
    ln = b.get("sigposarcsec")
    if ln is not None:
        if len(ln.args) >= 3:
            if ln.flag(ctx.path) != 0:
                ctx.note(f"{ctx.path.name}:{ln.line}: sigposArcsec is optimised by Lenstool "
                         f"({' '.join(ln.args)}); clusterfit fixes it at the lower value")
            value = ln.number(1, ctx.path, "sigposArcsec")
        else:
            value = ln.number(0, ctx.path, "sigposArcsec")
    elif (sq := b.get("sigpos")) is not None:
        value = sq.number(0, ctx.path, "sigpos") ** 0.5
    else:
        ctx.note(f"{ctx.path.name}:{b.line}: the image block has no sigposArcsec: Lenstool's default "
                 f"{SIGPOS_DEFAULT:g}″")
        return SIGPOS_DEFAULT
    if not value > 0:
        raise LenstoolError(ctx.path, (ln or sq).line, f"positional error {value:g} is not > 0",
                            "write 'sigposArcsec 0.5' (arcsec)")
    return value


def read_constraints(par: ParFile, ctx: Ctx, fitted: dict[str, tuple[float, Source]] | None = None,
                     sources: bool = True, sigmas: dict[str, list] | None = None) -> Constraints:
    """Images (one dataset per system), a ``Point`` per system and free-redshift priors.

    ``fitted``: redshifts that override the catalogue's and the file's priors (from a ``best.par``);
    ``sigmas``: per-image positional errors by system (:func:`fitted_sigmas`), in catalogue order.
    ``sources``: also read the ``runmode source`` catalogue."""
    fitted = fitted or {}
    sigmas = sigmas or {}
    points_only = _source_catalogue(par, ctx) if sources else {}
    blocks = par.blocks_named("image")
    if not blocks:
        return Constraints((), tuple(_points(points_only)), ())
    b = checked_block(blocks[-1], ctx)
    mf = b.get("multfile")
    if mf is None:
        return Constraints((), tuple(_points(points_only)), ())
    if len(mf.args) < 2:
        raise LenstoolError(ctx.path, mf.line, "multfile needs a flag and a file name",
                            "write 'multfile 1 images.cat'")
    if mf.flag(ctx.path) == 0:
        ctx.note(f"{ctx.path.name}:{mf.line}: multfile 0: the image catalogue is not read")
        return Constraints((), tuple(_points(points_only)), ())
    noise = _sigma(b, ctx)
    cat = read_catalogue(ctx.path.parent / mf.args[1], 6, "image")
    if cat.extra_columns:
        ctx.note(f"{cat.path.name}: {cat.extra_columns} rows have more than 8 columns; the columns "
                 "after mag are ignored")
    systems: dict[str, list] = {}
    for r in cat.rows:
        yy, xx = to_offsets(r.values[0], r.values[1], cat.reference, ctx.ref, cat.path, r.line)
        systems.setdefault(system_id(r.id), []).append((yy, xx, r.values[5], r))
    if not systems:
        raise LenstoolError(cat.path, None, "the image catalogue has no image",
                            "list the multiple images: id x y a b theta z mag")
    zlim = {}
    for names, ln in _z_m_lines(b, ctx):
        for name in names:
            root = _match(name, systems)
            if root is None:
                raise LenstoolError(ctx.path, ln.line, f"z_m_limit names system {name!r}, which is "
                                    f"not in the image catalogue {cat.path.name}",
                                    "use a system id of the catalogue")
            zlim[root] = ln
    fixed = {}
    for name, value in fitted.items():
        root = _match(name, systems)
        if root is not None:
            fixed[root] = value
        else:
            ctx.note(f"{value[1]}: fitted redshift of {name!r}, which is not a system of {cat.path.name}; "
                     "ignored")
    images, points, priors = [], [], []
    for root, ims in systems.items():
        z = ims[0][2]
        for im in ims[1:]:
            if im[2] != z:
                raise LenstoolError(cat.path, im[3].line, f"image {im[3].id} has z {im[2]:g} but "
                                    f"{ims[0][3].id} has {z:g}", "give all images of one system "
                                    "the same redshift")
        name, galaxy = f"point_{root}", f"source_{root}"
        if root in fixed:
            z = fixed[root][0]
            ctx.note(f"{fixed[root][1]}: system {root} at its fitted redshift {z:g}")
        elif root in zlim:
            ln = zlim[root]
            if ln.flag(ctx.path) == 0:
                z = ln.number(1, ctx.path, "z")
            else:
                prior = lenstool_prior(ln, ctx.path, galaxy, REDSHIFT, REDSHIFT)
                z = prior.mean if prior.prior == "Gaussian" else 0.5 * (prior.lower + prior.upper)
                priors.append(prior)
        elif z < Z_UNKNOWN:
            raise LenstoolError(cat.path, ims[0][3].line, f"system {root} has no redshift (z = {z:g}) "
                                "and no z_m_limit line", "write its redshift in the catalogue, or add "
                                f"'z_m_limit 1 {root} 1 zmin zmax 0.01' to the image block")
        if z <= 0:
            raise LenstoolError(ctx.path, zlim[root].line if root in zlim else ims[0][3].line,
                                f"system {root}: redshift {z:g} is not > 0", "write a positive redshift")
        noises = [noise] * len(ims)
        if root in sigmas:
            if len(sigmas[root]) != len(ims):
                raise LenstoolError(ctx.path, sigmas[root][0][1].line, f"{len(sigmas[root])} sigposAs lines "
                                    f"for system {root}, which has {len(ims)} images in {cat.path.name}",
                                    "give the best.par of this image catalogue")
            noises = [v for v, _ in sigmas[root]]
            ctx.note(f"{sigmas[root][0][1]}: system {root} with its optimised positional errors "
                     f"{', '.join(f'{v:.4g}' for v in noises)}″ (in catalogue order)")
        for (yy, xx, _, r), sig in zip(ims, noises, strict=True):
            images.append(PointImage(name, yy, xx, sig, redshift=z, source=Source(cat.path.name, r.line)))
        cy = sum(i[0] for i in ims) / len(ims)
        cx = sum(i[1] for i in ims) / len(ims)
        if root in points_only:
            cy, cx = points_only.pop(root)[:2]
        points.append(ProfileRow("point", galaxy, name, "Point", {"y": cy, "x": cx}, z,
                                 Source(cat.path.name, ims[0][3].line)))
    return Constraints(tuple(images), tuple(points + _points(points_only)), tuple(priors))


def _points(sources: dict[str, tuple]) -> list[ProfileRow]:
    return [ProfileRow("point", f"source_{k}", f"point_{k}", "Point", {"y": v[0], "x": v[1]},
                       v[2], v[3]) for k, v in sources.items()]


def _source_catalogue(par: ParFile, ctx: Ctx) -> dict[str, tuple]:
    """``runmode source n file`` (n ≠ 0): source positions (id x y a b theta z mag) → Point centres."""
    out: dict[str, tuple] = {}
    for raw in par.blocks_named("runmode"):
        ln = checked_block(raw, ctx).get("source")
        if ln is None or not ln.args:
            continue
        if ln.flag(ctx.path) == 0:
            if len(ln.args) > 1:
                ctx.note(f"{ctx.path.name}:{ln.line}: runmode source 0: {ln.args[1]} is not read")
            continue
        if len(ln.args) < 2:
            raise LenstoolError(ctx.path, ln.line, "runmode source needs a file name",
                                "write 'source 1 sources.cat' (or 'source 0' to read none)")
        cat = read_catalogue(ctx.path.parent / ln.args[1], 6, "source")
        for r in cat.rows:
            if r.values[5] <= 0:
                raise LenstoolError(cat.path, r.line, f"source {r.id} has no redshift",
                                    "write its redshift in the z column")
            yy, xx = to_offsets(r.values[0], r.values[1], cat.reference, ctx.ref, cat.path, r.line)
            out[r.id] = (yy, xx, r.values[5], Source(cat.path.name, r.line))
    return out
