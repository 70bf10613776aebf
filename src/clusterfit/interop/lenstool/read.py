"""Lenstool ``.par`` → tables: :func:`import_lenstool` (the whole file, or a ``best.par`` with the
constraints of its input ``.par``). The pieces: :mod:`.lenses` (potentials, limits, potfiles),
:mod:`.images` (images, sources, redshifts), :mod:`.keywords` (Lenstool's keyword set)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ...tables import ClusterModel, CosmologyRow, PriorRow, SkyReference, Source
from .catalogue import parse_sky
from .context import Ctx, checked_block
from .images import fitted_redshifts, fitted_sigmas, read_constraints
from .keywords import BLOCK_KEYS, SKIPPED_BLOCKS, canonical_key
from .lenses import read_lenses
from .par import LenstoolError, ParFile, parse_par
from .units import hold_last_plane, scale_to_last_plane

__all__ = ["import_lenstool", "bound_redshift_prior", "Z_GAUSSIAN_WIDTHS"]

Z_GAUSSIAN_WIDTHS = 5.0  # a z_m_limit Gaussian is truncated at mean ± this many σ


def import_lenstool(par_path: str | Path, notes: list[str] | None = None,
                    images: str | Path | None = None, constraints: bool = True) -> ClusterModel:
    """Read a Lenstool ``.par`` file (input, ``best.par`` or ``bestopt.par``) as a ClusterModel.

    Catalogues named in a file are read relative to its folder. ``notes`` (if given) receives one line
    per thing skipped, defaulted or approximated. ``images``: take the multiple images from this other
    ``.par`` (the input of a ``best.par``, which names no catalogue): only its image block, catalogue and
    ``sigposArcsec`` are read, and the redshifts ``par_path`` reports as fitted override the input's
    catalogue redshifts and priors. ``constraints=False`` allows a model without images or sources.
    Raises :class:`LenstoolError` (file, line, message, hint) on anything malformed, incomplete,
    impossible or not representable.
    """
    path = Path(par_path)
    notes = [] if notes is None else notes
    par = parse_par(path)
    notes.extend(par.notes)
    ctx = Ctx(path, _cosmology(par), _reference(par), notes)
    _check_blocks(par, ctx)
    lenses = read_lenses(par, ctx)
    fitted = fitted_redshifts(par, ctx, blocks=images is not None)  # its own z_m_limit lines: below
    if images is None:
        cons = read_constraints(par, ctx, fitted)
    else:
        inp = parse_par(images)
        ref = _reference(inp)
        if ctx.ref is not None and ref is not None and ref != ctx.ref:
            ctx.note(f"{inp.path.name}: its reference {ref} differs from {path.name}'s {ctx.ref}; the "
                     f"images are placed about {path.name}'s")
        ictx = Ctx(inp.path, ctx.cosmology, ctx.ref or ref, notes)
        cons = read_constraints(inp, ictx, fitted, sources=False, sigmas=fitted_sigmas(par, ctx))
        if ctx.ref is None and ref is not None:
            ctx.ref = ref
    if constraints and not cons.images and not cons.points:
        raise LenstoolError(path, None, "no multiple images and no sources: nothing constrains the model",
                            "add an image block with 'multfile 1 images.cat'; for a best.par, give its "
                            "input .par as --images")
    _check_lens_redshifts(lenses, cons, ctx)
    z_lens = max([r.redshift for r in lenses.mass] + [r.redshift for r in lenses.relations], default=0.0)
    z_priors = [bound_redshift_prior(p, z_lens, ctx) for p in cons.priors]
    model = ClusterModel(
        mass=lenses.mass, point=cons.points, point_images=cons.images,
        scaling_galaxies=lenses.members, scaling_relations=lenses.relations,
        priors=lenses.priors + tuple(z_priors), cosmology=ctx.cosmology,
        sky_reference=None if ctx.ref is None else SkyReference(*ctx.ref, projection="lenstool"),
    )
    return scale_to_last_plane(hold_last_plane(model, notes), to_reference=True)


def bound_redshift_prior(prior: PriorRow, z_lens: float, ctx: Ctx | None = None) -> PriorRow:
    """A free source redshift from ``z_m_limit ... 3 mean sigma`` (Lenstool: an untruncated Gaussian)
    truncated to [max(z_lens + 0.01, mean − 5σ), mean + 5σ], as the free-redshift rules require a source
    that stays behind the lens (``z_lens``: the highest lens redshift of the model). Bounds already set
    are kept; other priors are returned unchanged. The truncation is noted in ``ctx``."""
    if prior.prior != "Gaussian" or (prior.lower is not None and prior.upper is not None):
        return prior
    lower = prior.lower if prior.lower is not None else \
        max(z_lens + 0.01, prior.mean - Z_GAUSSIAN_WIDTHS * prior.sigma)
    upper = prior.upper if prior.upper is not None else prior.mean + Z_GAUSSIAN_WIDTHS * prior.sigma
    if ctx is not None:
        ctx.note(f"{prior.source.file}:{prior.source.line}: redshift of {prior.galaxy} ~ "
                 f"Gaussian({prior.mean:g}, {prior.sigma:g}) truncated to [{lower:g}, {upper:g}] (behind "
                 f"the lens at z = {z_lens:g}, ±{Z_GAUSSIAN_WIDTHS:g}σ)")
    return replace(prior, lower=lower, upper=upper)


def _check_blocks(par: ParFile, ctx: Ctx) -> None:
    """Notes for skipped blocks; errors for blocks that would change the model in ways we cannot hold."""
    for b in par.blocks:
        if b.name in SKIPPED_BLOCKS:
            ctx.note_once(("block", b.name), f"{par.path.name}:{b.line}: block {b.word!r} skipped (maps, "
                          "outputs, extended sources or dynamics: no effect on the mass model or the "
                          "point-image constraints)")
            for ln in b.lines if b.name in BLOCK_KEYS else ():
                if canonical_key(b.name, ln.key) is None:
                    ctx.note_once((b.name, ln.key, "unknown"), f"{par.path.name}:{ln.line}: {ln.key!r} is "
                                  f"not a Lenstool {b.name} keyword; ignored, as Lenstool ignores it")
        elif b.name == "cosmolimit" and any(ln.args and ln.args[0] not in ("0", "0.") for ln in b.lines):
            ctx.note(f"{par.path.name}:{b.line}: cosmolimit frees cosmological parameters; "
                     "clusterfit keeps the cosmology fixed")
        elif b.name == "multiscale":
            raise LenstoolError(par.path, b.line, "the multiscale block adds grid potentials, which "
                                "clusterfit does not import", "remove the block or refine it into "
                                "explicit potentiel blocks")
        elif b.name in ("source", "runmode", "cosmologie"):
            checked_block(b, ctx)  # keywords checked and listed in the notes


def _cosmology(par: ParFile) -> CosmologyRow:
    """The cosmologie block with Lenstool's defaults (``set_default.c``: model 1, H0 50, omegaM 1,
    omegaX 0, wX −1, wa 0; ``omegaK 0`` forces omegaX = 1 − omegaM). Only flat ΛCDM with Om0 < 1 fits."""
    blocks = par.blocks_named("cosmologie")
    if not blocks:
        raise LenstoolError(par.path, None, "no cosmologie block (Lenstool's defaults H0 50, omegaM 1 "
                            "are not a flat ΛCDM with Om0 < 1)", "add a cosmologie block: H0 70, omegaM "
                            "0.3, omegaX 0.7, end")
    b = blocks[-1]
    ctx = Ctx(par.path, CosmologyRow(), None, [])
    b = checked_block(b, ctx)
    vals = {"model": 1.0, "h0": 50.0, "omegam": 1.0, "omegax": 0.0, "wx": -1.0, "wa": 0.0}
    for ln in b.lines:
        vals[ln.key] = ln.number(0, par.path, ln.key)
    if vals["model"] != 1:
        raise LenstoolError(par.path, b.get("model").line, f"cosmological model {vals['model']:g} is not "
                            "supported", "clusterfit models flat ΛCDM: 'model 1'")
    om = vals["omegam"]
    ox = 1.0 - om if vals.get("omegak") == 0.0 else vals["omegax"]
    if abs(om + ox - 1.0) > 1e-6:
        raise LenstoolError(par.path, b.line, f"non-flat cosmology (omegaM {om:g}, omegaX {ox:g})",
                            "clusterfit models flat ΛCDM: make omegaM + omegaX = 1 or write 'omegaK 0'")
    if vals["wx"] != -1.0 or vals["wa"] != 0.0:
        raise LenstoolError(par.path, b.line, "dark energy with wX ≠ −1 or wa ≠ 0",
                            "clusterfit models ΛCDM: set wX −1 and wa 0")
    if not (0 < om < 1) or vals["h0"] <= 0:
        raise LenstoolError(par.path, b.line, f"H0 {vals['h0']:g}, omegaM {om:g}: clusterfit needs H0 > 0 "
                            "and 0 < omegaM < 1 (Lenstool's defaults are H0 50, omegaM 1)",
                            "write H0 and omegaM in the cosmologie block")
    return CosmologyRow(vals["h0"], om, Source("cosmology.csv"))


def _reference(par: ParFile) -> tuple[float, float] | None:
    """``runmode reference k RA DEC`` in degrees (k = 3 degrees, 1 sexagesimal; 0 or absent: none)."""
    for b in par.blocks_named("runmode"):
        ln = checked_block(b, Ctx(par.path, CosmologyRow(), None, [])).get("reference")
        if ln is None:
            continue
        kind = ln.flag(par.path)
        if kind == 0:
            return None
        if len(ln.args) < 3:
            raise LenstoolError(par.path, ln.line, f"reference {kind} needs RA and DEC",
                                "write 'reference 3 RA DEC' in decimal degrees")
        return parse_sky(kind, ln.args[1], ln.args[2], par.path, ln.line)
    return None


def _check_lens_redshifts(lenses, cons, ctx: Ctx) -> None:
    """A lens at or behind every source deflects nothing Lenstool would fit: an error."""
    zs = [im.redshift for im in cons.images] + [p.redshift for p in cons.points]
    if not zs:
        return
    z_max = max(zs)
    for r in list(lenses.mass) + list(lenses.relations):
        if r.redshift >= z_max:
            raise LenstoolError(r.source.file, r.source.line,
                                f"the lens at z = {r.redshift:g} is behind every source (the farthest is "
                                f"at z = {z_max:g})", "check z_lens (and zlens of potfiles) and the "
                                "source redshifts")

