"""Lenstool ↔ clusterfit tables: :func:`import_lenstool` and :func:`export_lenstool`.

Conventions (the full account is docs/lenstool.md):
- axes: our (y, x) are Lenstool's (y, x) unchanged: arcsec about ``runmode reference 3 RA0 DEC0``,
  x = −(RA − RA0)·cos(DEC0)·3600 (West positive, to the right on a North-up image), y North;
  ``angle_pos`` is counter-clockwise from +x in both, so nothing is mirrored.
- profil 81 → ``dPIEMass`` with Lenstool's own σ (``v_disp``), ellipticity (a²−b²)/(a²+b²), angle;
  without ``ellipticite``/``angle_pos`` lines → ``dPIEMassSph``. profil 14 → ``ExternalShear`` with
  γ1 = γ cos 2θ, γ2 = γ sin 2θ. Other profiles are refused.
- kpc ↔ arcsec with the angular diameter distance of astropy ``FlatLambdaCDM(H0, Om0)`` at the
  lens redshift; ``*_kpc`` values win over arcsec ones, as in Lenstool's ``set_lens_par``.
- potfiles → one scaling tier each: L = 10^(0.4 (mag0 − mag)), luminosity_ref = 1,
  σ exponent 1/vdslope, r_cut exponent 2/slope, r_core exponent 1/2 (Lenstool's ``scale_pot``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..tables import (
    ClusterModel,
    Cosmology,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
    Source,
)
from .lenstool_par import (
    SKIPPED_BLOCKS,
    LenstoolError,
    ParBlock,
    ParFile,
    ParLine,
    parse_par,
    radec_to_xy,
    read_catalogue,
    xy_to_radec,
)

__all__ = ["import_lenstool", "export_lenstool", "LenstoolError", "kpc_per_arcsec",
           "shear_from_lenstool", "shear_to_lenstool", "ellipticity_from_axes", "REDSHIFT",
           "bound_redshift_prior"]

log = logging.getLogger(__name__)

REDSHIFT = "redshift"
"""``attr_name`` and ``parameter`` of a free source-redshift prior (``galaxy`` = the source galaxy)."""


# --- conversions -----------------------------------------------------------------------------------

def kpc_per_arcsec(z: float, cosmology: Cosmology) -> float:
    """kpc per arcsec at redshift ``z``: D_A(z) [kpc] · (π / 648000), flat ΛCDM from ``cosmology``."""
    from astropy.cosmology import FlatLambdaCDM

    cosmo = FlatLambdaCDM(H0=cosmology.H0, Om0=cosmology.Om0)
    return float(cosmo.angular_diameter_distance(z).to_value("kpc")) * math.pi / 648000.0


def shear_from_lenstool(gamma: float, angle_deg: float) -> tuple[float, float]:
    """Lenstool profil 14 (γ, θ) → PyAutoLens (γ1, γ2) = γ (cos 2θ, sin 2θ); θ from +x, CCW."""
    t = math.radians(2.0 * angle_deg)
    return gamma * math.cos(t), gamma * math.sin(t)


def shear_to_lenstool(gamma_1: float, gamma_2: float) -> tuple[float, float]:
    """Inverse of :func:`shear_from_lenstool`: (γ, θ in degrees, in (−90, 90])."""
    return math.hypot(gamma_1, gamma_2), 0.5 * math.degrees(math.atan2(gamma_2, gamma_1))


def ellipticity_from_axes(a: float, b: float) -> float:
    """Lenstool's mass ellipticity (a² − b²)/(a² + b²) from semi-axes a, b."""
    return (a * a - b * b) / (a * a + b * b)


# --- import ----------------------------------------------------------------------------------------

_DPIE_KEYS = {"x_centre": "x", "y_centre": "y", "ellipticite": "ellipticity",
              "ellipticity": "ellipticity", "angle_pos": "angle_pos", "v_disp": "sigma",
              "core_radius": "r_core", "core_radius_kpc": "r_core", "cut_radius": "r_cut",
              "cut_radius_kpc": "r_cut"}
_POT_IGNORED = ("profil", "profile", "z_lens", "mag", "lum", "identity", "x_centre_wcs",
                "y_centre_wcs")
_SHEAR_KEYS = ("gamma", "angle_pos", "kappa", "x_centre", "y_centre")


@dataclass
class _Ctx:
    path: Path
    cosmology: Cosmology
    ref: tuple[float, float] | None
    notes: list[str]
    _scales: dict[float, float] = field(default_factory=dict)

    def scale(self, z: float) -> float:
        if z not in self._scales:
            self._scales[z] = kpc_per_arcsec(z, self.cosmology)
        return self._scales[z]

    def note(self, text: str) -> None:
        self.notes.append(text)
        log.info(text)


def import_lenstool(par_path: str | Path, notes: list[str] | None = None,
                   images: str | Path | None = None) -> ClusterModel:
    """Read a Lenstool ``.par`` file (input, ``best.par`` or ``bestopt.par``) as a ClusterModel.

    Catalogues named in the file are read relative to the file's folder. ``notes`` (if given)
    receives one line per thing skipped or approximated. ``images``: take the multiple images (and
    point sources) from this other ``.par`` instead (a ``best.par`` names no image catalogue). Raises :class:`LenstoolError` (file, line,
    message, hint) on anything malformed or not representable.
    """
    path = Path(par_path)
    notes = [] if notes is None else notes
    par = parse_par(path)
    for n in par.notes:
        notes.append(n)
    ctx = _Ctx(path, _cosmology(par, notes), _reference(par), notes)
    for b in par.blocks:
        if b.name in SKIPPED_BLOCKS:
            ctx.note(f"{path.name}:{b.line}: block {b.word!r} skipped (maps/outputs, no mass)")
        elif b.name == "cosmolimit" and any(ln.args and ln.args[0] not in ("0", "0.")
                                            for ln in b.lines):
            ctx.note(f"{path.name}:{b.line}: cosmolimit frees cosmological parameters; "
                     "clusterfit keeps the cosmology fixed")
        elif b.name == "multiscale":
            raise LenstoolError(path, b.line, "the multiscale block adds grid potentials, which "
                                "clusterfit does not import", "remove the block or refine it into "
                                "explicit potentiel blocks")
    mass, priors, counts = _potentials(par, ctx)
    relations, members, tier_priors, _ = _potfiles(par, ctx)
    _check_grille(par, ctx, counts)
    found, points, z_priors = _images(par, ctx)
    if images is not None:
        other = import_lenstool(images, notes)
        found, points, z_priors = list(other.point_images), list(other.point), [
            p for p in other.priors if p.attr_name == REDSHIFT]
    z_lens = max([r.redshift for r in mass if r.redshift is not None]
                 + [r.redshift for r in relations if r.redshift is not None], default=0.0)
    z_priors = [bound_redshift_prior(p, z_lens, ctx) for p in z_priors]
    model = ClusterModel(
        mass=tuple(mass), point=tuple(points), point_images=tuple(found),
        scaling_galaxies=tuple(members), scaling_relations=tuple(relations),
        priors=tuple(priors + tier_priors + z_priors), cosmology=ctx.cosmology,
    )
    return _scale_shears(model, to_reference=True)


Z_GAUSSIAN_WIDTHS = 5.0  # a z_m_limit Gaussian is truncated at mean ± this many σ


def bound_redshift_prior(prior: PriorRow, z_lens: float, ctx: _Ctx | None = None) -> PriorRow:
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


def _last_plane(model: ClusterModel) -> float:
    zs = [r.redshift for r in model.mass + model.point if r.redshift is not None]
    zs += [im.redshift for im in model.point_images if im.redshift is not None]
    zs += [r.redshift for r in model.scaling_relations if r.redshift is not None]
    return max(zs)


def _scale_shears(model: ClusterModel, to_reference: bool) -> ClusterModel:
    """Lenstool's γ (profil 14) is scaled by D_ls/D_s for each source like every potential (it is the
    shear for D_ls/D_s = 1); PyAutoLens's ``ExternalShear`` (our table class) gives the shear at the
    tracer's last plane r. So γ_table = γ_Lenstool · D_lr/D_r, with r the model's highest redshift
    (lens or source), and the inverse on export."""
    from ..physics.cosmology import Cosmology as PhysicsCosmology

    shears = [r for r in model.mass if r.profile_class == "ExternalShear"]
    if not shears:
        return model
    cosmo = PhysicsCosmology(model.cosmology.H0, model.cosmology.Om0)
    z_r = _last_plane(model)
    factor = {}
    for r in shears:
        ratio = cosmo.distance_ratio_matrix([r.redshift, z_r])[0, 1] if z_r > r.redshift else 1.0
        factor[r.key] = ratio if to_reference else 1.0 / ratio
    mass = tuple(replace(r, values={k: (v * factor[r.key] if v is not None else None)
                                    for k, v in r.values.items()})
                 if r.key in factor else r for r in model.mass)
    priors = tuple(replace(p, lower=None if p.lower is None else p.lower * factor[(p.galaxy, p.attr_name)],
                           upper=None if p.upper is None else p.upper * factor[(p.galaxy, p.attr_name)])
                   if (p.galaxy, p.attr_name) in factor else p for p in model.priors)
    return model.replace(mass=mass, priors=priors)


def _cosmology(par: ParFile, notes: list[str]) -> Cosmology:
    blocks = par.blocks_named("cosmologie")
    if not blocks:
        notes.append(f"{par.path.name}: no cosmologie block; using clusterfit's default cosmology")
        return Cosmology(source=Source("cosmology.csv"))
    b = blocks[-1]
    vals: dict[str, float] = {}
    for ln in b.lines:
        key = {"omega": "omegam", "lambda": "omegax"}.get(ln.key, ln.key)
        if key in ("h0", "omegam", "omegax", "omegak", "wx", "wa", "model"):
            vals[key] = ln.number(0, par.path, key)
        else:
            raise LenstoolError(par.path, ln.line, f"unknown cosmologie keyword {ln.key!r}",
                                "cosmologie takes H0, omegaM (omega), omegaX (lambda), omegaK, wX, wa")
    if "h0" not in vals or "omegam" not in vals:
        raise LenstoolError(par.path, b.line, "cosmologie needs H0 and omegaM",
                            "write 'H0 70' and 'omegaM 0.3'")
    om, ox = vals["omegam"], vals.get("omegax", 1.0 - vals["omegam"])
    if abs(om + ox - 1.0) > 1e-6 or abs(vals.get("omegak", 0.0)) > 1e-6:
        raise LenstoolError(par.path, b.line, f"non-flat cosmology (omegaM {om}, omegaX {ox})",
                            "clusterfit models flat ΛCDM: make omegaM + omegaX = 1")
    if vals.get("wx", -1.0) != -1.0 or vals.get("wa", 0.0) != 0.0:
        raise LenstoolError(par.path, b.line, "dark energy with wX ≠ −1 or wa ≠ 0",
                            "clusterfit models ΛCDM: set wX −1 and wa 0")
    return Cosmology(vals["h0"], om, Source("cosmology.csv"))


def _reference(par: ParFile) -> tuple[float, float] | None:
    for b in par.blocks_named("runmode"):
        ln = b.get("reference")
        if ln is None:
            continue
        kind = ln.flag(par.path)
        if kind == 0:
            return None
        if kind != 3:
            raise LenstoolError(par.path, ln.line, f"reference {kind} is not supported",
                                "write 'reference 3 RA DEC' with RA, DEC in decimal degrees")
        return ln.number(1, par.path, "RA"), ln.number(2, par.path, "DEC")
    return None


def _position(x: float, y: float, absolute: bool, cat_ref: tuple[float, float] | None,
              ctx: _Ctx, file: Path, line: int) -> tuple[float, float]:
    """A catalogue position as our (y, x) arcsec about the runmode reference."""
    if absolute:
        if ctx.ref is None:
            raise LenstoolError(file, line, "absolute RA/Dec but the .par file has no reference",
                                "add 'reference 3 RA0 DEC0' to the runmode block")
        xx, yy = radec_to_xy(x, y, *ctx.ref)
        return yy, xx
    if cat_ref is None or ctx.ref is None or cat_ref == ctx.ref:
        return y, x
    xx, yy = radec_to_xy(*xy_to_radec(x, y, *cat_ref), *ctx.ref)
    return yy, xx


def _prior(ln: ParLine, file: Path, galaxy: str, attr: str, column: str,
           scale: float = 1.0) -> PriorRow | None:
    """A limit line (``flag v1 v2 [step]``) as a prior: 0 fixed, 1 Uniform(v1, v2), 3 Gaussian(v1, v2)."""
    flag = ln.flag(file)
    if flag == 0:
        return None
    v1, v2 = ln.number(1, file, "first value") * scale, ln.number(2, file, "second value") * scale
    src = Source(file.name, ln.line)
    if flag == 1:
        if not v1 < v2:
            raise LenstoolError(file, ln.line, f"{ln.key}: uniform limits need min < max "
                                f"(got {v1:g}, {v2:g})", "write 'key 1 min max step'")
        return PriorRow(galaxy, attr, column, "Uniform", v1, v2, source=src)
    if flag == 3:
        if not v2 > 0:
            raise LenstoolError(file, ln.line, f"{ln.key}: Gaussian width must be > 0 (got {v2:g})",
                                "write 'key 3 mean sigma step'")
        return PriorRow(galaxy, attr, column, "Gaussian", mean=v1, sigma=v2, source=src)
    raise LenstoolError(file, ln.line, f"{ln.key}: limit flag {flag} is not supported",
                        "use 0 (fixed), 1 (uniform min max) or 3 (Gaussian mean sigma)")


def _potentials(par: ParFile, ctx: _Ctx) -> tuple[list[ProfileRow], list[PriorRow], int]:
    """potentiel blocks → mass rows; limit blocks → priors, attached by order as Lenstool does."""
    rows: list[ProfileRow] = []
    by_index: dict[int, tuple[ProfileRow, ParBlock]] = {}
    priors: list[PriorRow] = []
    grille = par.blocks_named("grille")
    opt_ln = grille[-1].get("nlens_opt") if grille else None
    n_opt = None if opt_ln is None else int(opt_ln.number(0, par.path, "nlens_opt"))
    ilens = ils = 0
    seen: set[tuple[str, str]] = set()
    for b in par.blocks:
        if b.name == "potentiel":
            row = _potential_row(b, ilens, ctx)
            if row.key in seen:
                ctx.note(f"{par.path.name}:{b.line}: duplicate potential name {row.galaxy!r}; "
                         f"renamed {row.galaxy}_{ilens + 1}")
                row = ProfileRow("mass", f"{row.galaxy}_{ilens + 1}", row.attr_name,
                                 row.profile_class, row.values, row.redshift, row.source)
            seen.add(row.key)
            rows.append(row)
            by_index[ilens] = (row, b)
            ilens += 1
        elif b.name == "potfile":
            ilens += len(_member_rows_count(b, ctx))
            ils = ilens
        elif b.name == "limit":
            target = by_index.get(ils)
            ils += 1
            if target is None:
                raise LenstoolError(par.path, b.line, "this limit block has no potentiel to apply "
                                    "to (Lenstool attaches the k-th limit to the k-th potential)",
                                    "put each limit block right after its potentiel block")
            row, pb = target
            name = b.label.split()[0] if b.label.split() else ""
            pname = pb.label.split()[0] if pb.label.split() else ""
            if name and pname and name != pname:
                ctx.note(f"{par.path.name}:{b.line}: limit {name!r} applies to potentiel {pname!r} "
                         "(Lenstool attaches limits by order, not by name)")
            if n_opt is not None and ils - 1 >= n_opt:
                ctx.note(f"{par.path.name}:{b.line}: limit for {row.galaxy!r} ignored: Lenstool "
                         f"optimises only the first nlens_opt = {n_opt} potentials")
                continue
            new = _limit_priors(b, row, ctx)
            inside = _start_inside(row, new, ctx, b.line)
            if inside is not row:
                rows[rows.index(row)] = inside
                by_index[ils - 1] = (inside, pb)
            priors += new
    return rows, priors, ilens


def _start_inside(row: ProfileRow, priors: list[PriorRow], ctx: _Ctx, line: int) -> ProfileRow:
    """``row`` with each value that its uniform limit excludes moved to the nearest limit (a turn of
    180° for an angle). Lenstool draws a limited parameter from its limit and ignores the value; here the
    value is the start of a fit and the truth of simulate, so it must lie inside the prior."""
    from ..tables.domains import parameter_domain, wrap_into

    values = dict(row.values)
    for p in priors:
        v = values.get(p.parameter)
        if p.prior != "Uniform" or v is None:
            continue
        domain, _ = parameter_domain(row.family, row.profile_class, p.parameter)
        if wrap_into(v, domain, p.lower, p.upper) is None:
            values[p.parameter] = min(max(v, p.lower), p.upper)
            ctx.note(f"{ctx.path.name}:{line}: {row.galaxy}.{p.parameter} = {v:g} is outside its limit "
                     f"[{p.lower:g}, {p.upper:g}]; it starts at {values[p.parameter]:g} (Lenstool ignores "
                     "the value of a limited parameter)")
    return row if values == row.values else ProfileRow(row.family, row.galaxy, row.attr_name,
                                                      row.profile_class, values, row.redshift, row.source)


def _member_rows_count(b: ParBlock, ctx: _Ctx) -> list:
    ln = b.get("filein")
    if ln is None or len(ln.args) < 2:
        raise LenstoolError(ctx.path, b.line, "potfile has no 'filein type file' line",
                            "write 'filein 1 members.cat'")
    return read_catalogue(ctx.path.parent / ln.args[1], 6, "member").rows


def _name(label: str, index: int) -> tuple[str, str]:
    tok = label.split()[0] if label.split() else f"O{index + 1}"
    galaxy, _, attr = tok.partition(":")
    return galaxy, attr


def _potential_row(b: ParBlock, index: int, ctx: _Ctx) -> ProfileRow:
    file = ctx.path
    prof = b.get("profil", "profile")
    if prof is None:
        raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no profil line",
                            "write 'profil 81' (dPIE) or 'profil 14' (external shear)")
    kind = prof.number(0, file, "profil")
    zl = b.get("z_lens")
    if zl is None:
        raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no z_lens",
                            "write the lens redshift: 'z_lens 0.3'")
    z = zl.number(0, file, "z_lens")
    galaxy, attr = _name(b.label, index)
    src = Source(file.name, b.line)
    if kind == 14:
        for ln in b.lines:
            if ln.key not in _SHEAR_KEYS + _POT_IGNORED:
                raise LenstoolError(file, ln.line, f"unknown keyword {ln.key!r} for an external shear "
                                    "(profil 14)", "profil 14 takes gamma, angle_pos, kappa, z_lens")
        kap = b.get("kappa")
        if kap is not None and kap.number(0, file, "kappa") != 0:
            raise LenstoolError(file, kap.line, "external convergence (kappa ≠ 0) is not supported",
                                "set kappa 0; clusterfit has no mass-sheet profile")
        g = b.get("gamma")
        a = b.get("angle_pos")
        g1, g2 = shear_from_lenstool(0.0 if g is None else g.number(0, file, "gamma"),
                                     0.0 if a is None else a.number(0, file, "angle_pos"))
        return ProfileRow("mass", galaxy, attr or "shear", "ExternalShear",
                          {"gamma_1": g1, "gamma_2": g2}, z, src)
    if kind != 81:
        raise LenstoolError(file, prof.line, f"potentiel {b.label!r}: profil {kind:g} is not "
                            "supported", "clusterfit imports profil 81 (dPIE) and 14 (shear); "
                            "convert other profiles by hand")
    vals: dict[str, float] = {}
    for ln in b.lines:
        if ln.key not in _DPIE_KEYS and ln.key not in _POT_IGNORED:
            raise LenstoolError(file, ln.line, f"unknown keyword {ln.key!r} for profil 81",
                                "profil 81 takes x_centre, y_centre, ellipticite, angle_pos, "
                                "core_radius(_kpc), cut_radius(_kpc), v_disp, z_lens, mag")
    scale = ctx.scale(z)
    for key in ("x_centre", "y_centre", "ellipticite", "ellipticity", "angle_pos", "v_disp"):
        ln = b.get(key)
        if ln is not None:
            vals[_DPIE_KEYS[key]] = ln.number(0, file, key)
    wx, wy = b.get("x_centre_wcs"), b.get("y_centre_wcs")
    if wx is not None and wy is not None:
        vals["y"], vals["x"] = _position(wx.number(0, file), wy.number(0, file), True, None, ctx,
                                         file, wx.line)
    for col, arc, kpc, missing in (("r_core", "core_radius", "core_radius_kpc", 0.0),
                                   ("r_cut", "cut_radius", "cut_radius_kpc", None)):
        lk, la = b.get(kpc), b.get(arc)
        v_kpc = None if lk is None else lk.number(0, file, kpc)
        if v_kpc is not None and (v_kpc != 0 or col == "r_cut"):
            vals[col] = v_kpc / scale
        elif la is not None:
            vals[col] = la.number(0, file, arc)
        elif missing is not None:
            vals[col] = missing
        else:
            raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no cut radius",
                                "write cut_radius (arcsec) or cut_radius_kpc")
    for need in ("x", "y", "sigma"):
        if need not in vals:
            key = {"x": "x_centre", "y": "y_centre", "sigma": "v_disp"}[need]
            raise LenstoolError(file, b.line, f"potentiel {b.label!r} has no {key}",
                                f"write '{key} <value>'")
    spherical = "ellipticity" not in vals and "angle_pos" not in vals
    cls = "dPIEMassSph" if spherical else "dPIEMass"
    if not spherical:
        vals.setdefault("ellipticity", 0.0)
        vals.setdefault("angle_pos", 0.0)
        if vals["ellipticity"] < 0:
            ctx.note(f"{file.name}:{b.line}: negative ellipticity of {galaxy!r} made positive, "
                     "angle_pos + 90")
            vals["ellipticity"], vals["angle_pos"] = -vals["ellipticity"], vals["angle_pos"] + 90
    order = ("y", "x", "ellipticity", "angle_pos", "sigma", "r_core", "r_cut")
    return ProfileRow("mass", galaxy, attr or "mass", cls,
                      {c: vals[c] for c in order if c in vals}, z, src)


def _limit_priors(b: ParBlock, row: ProfileRow, ctx: _Ctx) -> list[PriorRow]:
    file = ctx.path
    out: list[PriorRow] = []
    if row.profile_class == "ExternalShear":
        shear = {ln.key: ln for ln in b.lines}
        for ln in b.lines:
            if ln.key not in ("gamma", "angle_pos"):
                raise LenstoolError(file, ln.line, f"limit keyword {ln.key!r} is not supported for "
                                    "an external shear", "limit gamma and angle_pos only")
        g = shear.get("gamma")
        if g is not None and g.flag(file) != 0:
            gmax = max(abs(g.number(1, file)), abs(g.number(2, file)))
            if g.flag(file) == 3:
                gmax = abs(g.number(1, file)) + 3 * abs(g.number(2, file))
            ctx.note(f"{file.name}:{b.line}: shear limits (gamma, angle_pos) approximated by "
                     f"gamma_1, gamma_2 ~ Uniform(−{gmax:g}, {gmax:g})")
            for c in ("gamma_1", "gamma_2"):
                out.append(PriorRow(row.galaxy, row.attr_name, c, "Uniform", -gmax, gmax,
                                    source=Source(file.name, g.line)))
        return out
    scale = ctx.scale(row.redshift)
    for ln in b.lines:
        col = _DPIE_KEYS.get(ln.key)
        if col is None:
            raise LenstoolError(file, ln.line, f"limit keyword {ln.key!r} is not supported",
                                "limits take x_centre, y_centre, ellipticite, angle_pos, "
                                "core_radius(_kpc), cut_radius(_kpc), v_disp")
        if col not in row.values:
            raise LenstoolError(file, ln.line, f"limit on {ln.key!r} but {row.galaxy!r} is "
                                f"{row.profile_class}", "add ellipticite and angle_pos to the "
                                "potentiel block to make it elliptical")
        p = _prior(ln, file, row.galaxy, row.attr_name, col,
                   1.0 / scale if ln.key.endswith("_kpc") else 1.0)
        if p is not None:
            out.append(p)
    return out


def _check_grille(par: ParFile, ctx: _Ctx, total: int) -> None:
    for b in par.blocks_named("grille"):
        ln = b.get("nlentille", "nlens")
        if ln is not None and ln.number(0, par.path, ln.key) < total:
            raise LenstoolError(par.path, ln.line, f"{ln.key} {ln.args[0]} is less than the "
                                f"{total} potentials defined (Lenstool would drop the rest)",
                                f"write '{ln.key} {total}'")


_POTFILE_KEYS = ("filein", "zlens", "z_lens", "type", "core", "corekpc", "cut", "cutkpc", "sigma",
                 "mag0", "r200", "slope", "m200slope", "vdslope", "vdscatter", "rcutscatter",
                 "select", "id")


def _potfile_param(b: ParBlock, keys: tuple[str, ...], ctx: _Ctx, tier: str, column: str,
                   scale: float) -> tuple[float, PriorRow | None] | None:
    """``key flag v1 v2 [start]`` → (value, prior). Flag 1: value = start if given, else v1 (as
    Lenstool, which starts at v1); flag 0 or 3: value = v1."""
    ln = b.get(*keys)
    if ln is None:
        return None
    flag = ln.flag(ctx.path)
    v1 = ln.number(1, ctx.path, "value")
    value = v1
    if flag == 1 and len(ln.args) > 3:
        value = ln.number(3, ctx.path, "start value")
    prior = _prior(ln, ctx.path, tier, "scaling", column, scale)
    return value * scale, prior


def _potfiles(par: ParFile, ctx: _Ctx):
    relations: list[ScalingRelation] = []
    members: list[ScalingGalaxy] = []
    priors: list[PriorRow] = []
    blocks = par.blocks_named("potfile")
    tiers: list[str] = []
    n_members = 0
    for i, b in enumerate(blocks):
        for ln in b.lines:
            if ln.key not in _POTFILE_KEYS:
                raise LenstoolError(ctx.path, ln.line, f"unknown potfile keyword {ln.key!r}",
                                    "potfile takes filein, zlens, type, core(kpc), cut(kpc), sigma, "
                                    "mag0, slope, vdslope, vdscatter, rcutscatter")
        tier = _tier_name(b, i, tiers)
        tiers.append(tier)
        typ = b.get("type")
        if typ is not None and typ.number(0, ctx.path, "type") != 81:
            raise LenstoolError(ctx.path, typ.line, f"potfile type {typ.args[0]} is not supported",
                                "clusterfit imports potfiles of type 81 (dPIE)")
        zln = b.get("zlens", "z_lens")
        if zln is None:
            raise LenstoolError(ctx.path, b.line, "potfile has no zlens", "write 'zlens 0.3'")
        z = zln.number(0, ctx.path, "zlens")
        scale = ctx.scale(z)
        mag0_ln = b.get("mag0", "r200")
        if mag0_ln is None:
            raise LenstoolError(ctx.path, b.line, "potfile has no mag0", "write 'mag0 19.5'")
        mag0 = mag0_ln.number(0, ctx.path, "mag0")
        for key in ("vdscatter", "rcutscatter"):
            ln = b.get(key)
            if ln is not None and (ln.flag(ctx.path) != 0 or ln.number(1, ctx.path) != 0):
                raise LenstoolError(ctx.path, ln.line, f"{key} (random scatter) is not supported",
                                    f"write '{key} 0 0 0'")
        sel = b.get("select")
        if sel is not None:
            ctx.note(f"{ctx.path.name}:{sel.line}: potfile 'select' ignored")
        sigma = _potfile_param(b, ("sigma",), ctx, tier, "sigma_ref", 1.0)
        cut = (_potfile_param(b, ("cut",), ctx, tier, "r_cut_ref", 1.0)
               or _potfile_param(b, ("cutkpc",), ctx, tier, "r_cut_ref", 1.0 / scale))
        if sigma is None or cut is None:
            raise LenstoolError(ctx.path, b.line, "potfile needs sigma and cut (or cutkpc)",
                                "write 'sigma 0 150 0' and 'cutkpc 0 40 0'")
        core_ln = b.get("core")
        core = None if core_ln is None else core_ln.number(0, ctx.path, "core")
        if core is None and b.get("corekpc") is not None:
            core = b.get("corekpc").number(0, ctx.path, "corekpc") / scale
        if core is None:
            raise LenstoolError(ctx.path, b.line, "potfile has no core length",
                                "write 'corekpc 0.15' or 'core 0.03'")
        exps = {}
        for keys, col, num in ((("slope", "m200slope"), "r_cut_exponent", 2.0),
                               (("vdslope",), "sigma_exponent", 1.0)):
            ln = b.get(*keys)
            if ln is None:
                exps[col] = num / 4.0
                continue
            if ln.flag(ctx.path) != 0:
                raise LenstoolError(ctx.path, ln.line, f"a free {ln.key} is not supported",
                                    f"fix it: '{ln.key} 0 4 0'")
            exps[col] = num / ln.number(1, ctx.path, ln.key)
        group, spherical = _members(b, ctx, tier, mag0, z, len(blocks) > 1)
        n_members += len(group)
        members += group
        relations.append(ScalingRelation(
            tier, "dPIEMassSph" if spherical else "dPIEMass", 1.0,
            {"sigma_ref": sigma[0], "sigma_exponent": exps["sigma_exponent"], "r_core_ref": core,
             "r_core_exponent": 0.5, "r_cut_ref": cut[0], "r_cut_exponent": exps["r_cut_exponent"]},
            z, Source(ctx.path.name, b.line)))
        priors += [p for p in (sigma[1], cut[1]) if p is not None]
    return relations, members, priors, n_members


def _tier_name(b: ParBlock, i: int, taken: list[str]) -> str:
    """``potfile members`` → ``members``; ``potfile``, ``potfile0``, ``potfile 1`` → ``potfile<i>``
    with ``i`` the potfile's order in the file (as ``bestopt.par`` numbers them)."""
    label = b.label.split()[0] if b.label.split() else ""
    name = label if label and not label.replace(".", "").isdigit() else f"potfile{i}"
    while name in taken:
        name += "_"
    return name


def _members(b: ParBlock, ctx: _Ctx, tier: str, mag0: float, z: float, tag: bool):
    ln = b.get("filein")
    if ln is None or len(ln.args) < 2:
        raise LenstoolError(ctx.path, b.line, "potfile has no 'filein type file' line",
                            "write 'filein 1 members.cat'")
    ftype = ln.flag(ctx.path)
    if ftype not in (1, 3):
        raise LenstoolError(ctx.path, ln.line, f"filein type {ftype} is not supported",
                            "use 1 (relative arcsec) or 3 (RA/Dec degrees)")
    cat = read_catalogue(ctx.path.parent / ln.args[1], 6, "member")
    cat_abs = ftype == 3 or (cat.reference is not None and cat.reference[0] == 0)
    cat_ref = None if cat.reference is None or cat.reference[0] != 3 else cat.reference[1:]
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
        yy, xx = _position(x, y, cat_abs, cat_ref, ctx, cat.path, r.line)
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


def _images(par: ParFile, ctx: _Ctx):
    """Image catalogue → point_datasets rows; one Point per system; free-redshift priors."""
    blocks = par.blocks_named("image")
    src_block = par.blocks_named("source")
    zs = src_block[-1].get("z_source") if src_block else None
    sources = _source_catalogue(par, ctx)
    if not blocks:
        return [], _points_only(sources), []
    b = blocks[-1]
    known = ("multfile", "mult_wcs", "sigposarcsec", "z_m_limit", "forme")
    for ln in b.lines:
        if ln.key not in known:
            ctx.note(f"{ctx.path.name}:{ln.line}: image keyword {ln.key!r} ignored")
    mf = b.get("multfile")
    if mf is None:
        return [], _points_only(sources), []
    if len(mf.args) < 2:
        raise LenstoolError(ctx.path, mf.line, "multfile needs a flag and a file name",
                            "write 'multfile 1 images.cat'")
    wcs = b.get("mult_wcs")
    wcs_on = wcs is not None and wcs.number(0, ctx.path, "mult_wcs") != 0
    sp = b.get("sigposarcsec")
    if sp is None:
        raise LenstoolError(ctx.path, b.line, "the image block has no sigposArcsec",
                            "write 'sigposArcsec 0.5' (the positional error in arcsec)")
    noise = sp.number(0, ctx.path, "sigposArcsec")
    cat = read_catalogue(ctx.path.parent / mf.args[1], 6, "image")
    absolute = (cat.reference[0] == 0) if cat.reference is not None else wcs_on
    cat_ref = cat.reference[1:] if cat.reference is not None and cat.reference[0] == 3 else None
    systems: dict[str, list] = {}
    for r in cat.rows:
        root = _system_id(r.id)
        yy, xx = _position(r.values[0], r.values[1], absolute, cat_ref, ctx, cat.path, r.line)
        systems.setdefault(root, []).append((yy, xx, r.values[5], r))
    zlim = _z_m_limits(b, ctx, systems)
    images, points, priors = [], [], []
    for root, ims in systems.items():
        z = ims[0][2]
        for im in ims[1:]:
            if im[2] != z:
                raise LenstoolError(cat.path, im[3].line, f"image {im[3].id} has z {im[2]:g} but "
                                    f"{ims[0][3].id} has {z:g}", "give all images of one system "
                                    "the same redshift")
        name, galaxy = f"point_{root}", f"source_{root}"
        if root in zlim:
            z_fixed, prior = zlim[root]
            if z_fixed is not None:
                z = z_fixed
            elif z <= 0:
                z = prior.mean if prior.prior == "Gaussian" else 0.5 * (prior.lower + prior.upper)
            if prior is not None:
                priors.append(PriorRow(galaxy, REDSHIFT, REDSHIFT, prior.prior, prior.lower,
                                       prior.upper, prior.mean, prior.sigma, prior.source))
        if z <= 0:
            if zs is None:
                raise LenstoolError(cat.path, ims[0][3].line, f"system {root} has z = 0 and no "
                                    "z_m_limit", "write its redshift, or a z_m_limit line")
            z = zs.number(0, ctx.path, "z_source")
            ctx.note(f"{ctx.path.name}: system {root} has z = 0; using z_source {z:g}")
        for yy, xx, _, r in ims:
            images.append(PointImage(name, yy, xx, noise, redshift=z,
                                     source=Source(cat.path.name, r.line)))
        cy = sum(i[0] for i in ims) / len(ims)
        cx = sum(i[1] for i in ims) / len(ims)
        if root in sources:
            cy, cx = sources.pop(root)[:2]
        points.append(ProfileRow("point", galaxy, name, "Point", {"y": cy, "x": cx}, z,
                                 Source(cat.path.name, ims[0][3].line)))
    return images, points + _points_only(sources), priors


def _points_only(sources: dict[str, tuple]) -> list[ProfileRow]:
    return [ProfileRow("point", f"source_{k}", f"point_{k}", "Point", {"y": v[0], "x": v[1]},
                       v[2], v[3]) for k, v in sources.items()]


def _source_catalogue(par: ParFile, ctx: _Ctx) -> dict[str, tuple]:
    """``runmode source k file``: source positions (id x y a b theta z mag) → Point centres."""
    out: dict[str, tuple] = {}
    for b in par.blocks_named("runmode"):
        ln = b.get("source")
        if ln is None or len(ln.args) < 2:
            continue
        cat = read_catalogue(ctx.path.parent / ln.args[1], 6, "source")
        absolute = cat.reference is not None and cat.reference[0] == 0
        cat_ref = cat.reference[1:] if cat.reference is not None and cat.reference[0] == 3 else None
        for r in cat.rows:
            yy, xx = _position(r.values[0], r.values[1], absolute, cat_ref, ctx, cat.path, r.line)
            out[r.id] = (yy, xx, r.values[5], Source(cat.path.name, r.line))
    return out


def _system_id(image_id: str) -> str:
    """System of an image: the id before its last '.', else the id without trailing letters."""
    if "." in image_id:
        return image_id.rsplit(".", 1)[0]
    root = image_id.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return root or image_id


def _z_m_limits(b: ParBlock, ctx: _Ctx, systems: dict) -> dict[str, tuple]:
    """``z_m_limit opt ids flag min max [step]``: flag 0 fixes z = min (``best.par`` reports fitted
    redshifts this way), 1 Uniform(min, max), 3 Gaussian(min, max)."""
    out: dict[str, tuple] = {}
    for ln in b.all("z_m_limit"):
        if len(ln.args) < 5:
            raise LenstoolError(ctx.path, ln.line, "z_m_limit needs: opt ids flag min max",
                                "write 'z_m_limit 1 3 1 1.0 6.0 0.1'")
        if ln.number(0, ctx.path, "opt") <= 0:
            continue
        flag = int(ln.number(2, ctx.path, "flag"))
        shifted = ParLine(ln.key, ln.args[2:], ln.line)
        for sid in ln.args[1].split(","):
            root = _system_id(sid) if sid not in systems else sid
            if root not in systems:
                try:
                    root = str(int(float(sid))) if str(int(float(sid))) in systems else root
                except ValueError:
                    pass
            if root not in systems:
                raise LenstoolError(ctx.path, ln.line, f"z_m_limit names system {sid!r}, which is "
                                    "not in the image catalogue", "use a system id of the catalogue")
            if flag == 0:
                out[root] = (shifted.number(1, ctx.path, "z"), None)
            else:
                out[root] = (None, _prior(shifted, ctx.path, f"source_{root}", REDSHIFT, REDSHIFT))
    return out


# --- export ----------------------------------------------------------------------------------------

_LT_KEYS = {"x": "x_centre", "y": "y_centre", "ellipticity": "ellipticite", "angle_pos": "angle_pos",
            "sigma": "v_disp", "r_core": "core_radius", "r_cut": "cut_radius"}


def _fmt(v: float) -> str:
    return repr(float(v))


def export_lenstool(model: ClusterModel, par_path: str | Path,
                    reference: tuple[float, float] = (0.0, 0.0),
                    notes: list[str] | None = None) -> Path:
    """Write ``model`` as a Lenstool ``.par`` file with its catalogues beside it; return its path.

    Files: ``<stem>.par``; ``<stem>_images.cat`` (point_datasets.csv); ``<stem>_sources.cat`` (Point
    centres, named by ``runmode source 0 file``, a no-op for Lenstool that :func:`import_lenstool`
    reads back); ``<stem>_<tier>.cat`` per scaling tier. Positions are relative arcsec about
    ``reference`` (RA0, DEC0 in degrees). Values are written in arcsec with ``repr`` precision, so
    ``import_lenstool(export_lenstool(m))`` gives back ``m``'s tables. Light profiles, LogUniform
    priors and Gaussian truncations have no Lenstool form: they are dropped or approximated, with a
    line in ``notes``; mass classes other than dPIEMass, dPIEMassSph and ExternalShear are refused.
    """
    model = _scale_shears(model, to_reference=False)
    path = Path(par_path)
    notes = [] if notes is None else notes
    stem = path.stem
    free = _free(model)
    if model.light:
        notes.append("light profiles are not written (Lenstool .par files have no light)")
    files: dict[str, str] = {}
    out = ["runmode", f"\treference 3 {_fmt(reference[0])} {_fmt(reference[1])}"]
    if model.point:
        files[f"{stem}_sources.cat"] = _sources_cat(model, reference)
        out.append(f"\tsource 0 {stem}_sources.cat")
    out.append("\tend")
    out += _image_block(model, free, stem, reference, files, notes)
    pots = _mass_blocks(model, free, notes, path)
    n_opt = sum(1 for _, lim in pots if lim)
    tiers = _tier_blocks(model, free, stem, reference, files, notes, path)
    n_members = sum(len(model.tier_members(r.tier)) for r in model.scaling_relations)
    out += ["grille", "\tnombre 128", "\tpolaire 0", f"\tnlentille {len(pots) + n_members}",
            f"\tnlens_opt {n_opt}", "\tend"]
    for block, lim in pots:
        out += block + lim
    out += tiers
    c = model.cosmology
    out += ["cosmologie", "\tmodel 1", f"\tH0 {_fmt(c.H0)}", f"\tomegaM {_fmt(c.Om0)}",
            f"\tomegaX {_fmt(1.0 - c.Om0)}", "\tomegaK 0.", "\twX -1.0", "\twa 0.0", "\tend",
            "champ", "\txmin -100.0", "\txmax 100.0", "\tymin -100.0", "\tymax 100.0", "\tend",
            "fini"]
    files[path.name] = "\n".join(out) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path.parent / name).write_text(text, encoding="utf-8")
    for n in notes:
        log.info(n)
    return path


def _free(model: ClusterModel) -> dict[tuple[str, str, str, str], PriorRow]:
    """Free cells (wildcards and tuples expanded) → prior; source-redshift priors left aside."""
    from ..tables import CsvErrors
    from ..tables.free import resolve_free_parameters

    errors: list = []
    priors = [p for p in model.priors if p.attr_name != REDSHIFT]
    free = resolve_free_parameters(priors, list(model.profiles), list(model.scaling_relations),
                                   errors)
    if errors:
        raise CsvErrors(errors)
    return {(f.table, f.galaxy, f.attr_name, f.column): f.prior for f in free}


def _limit_line(key: str, prior: PriorRow, notes: list[str], what: str, scale: float = 1.0) -> str:
    if prior.prior in ("Uniform", "LogUniform"):
        if prior.prior == "LogUniform":
            notes.append(f"{what}: LogUniform({prior.lower:g}, {prior.upper:g}) written as uniform "
                         "(Lenstool has no log-uniform limit)")
        return f"\t{key} 1 {_fmt(prior.lower * scale)} {_fmt(prior.upper * scale)} 0.01"
    if prior.mean == "auto" or prior.mean is None:
        raise LenstoolError("<export>", None, f"{what}: a Gaussian prior with mean 'auto' has no "
                            "Lenstool form", "write a numeric mean")
    if prior.lower is not None or prior.upper is not None:
        notes.append(f"{what}: the truncation of its Gaussian prior is dropped")
    return f"\t{key} 3 {_fmt(prior.mean * scale)} {_fmt(prior.sigma * scale)} 0.01"


def _mass_blocks(model: ClusterModel, free: dict, notes: list[str], path: Path):
    """One potentiel (+ limit) block per mass row; rows with limits first (nlens_opt counts them)."""
    count: dict[str, int] = {}
    for r in model.mass:
        count[r.galaxy] = count.get(r.galaxy, 0) + 1
    blocks = []
    for r in model.mass:
        default_attr = "shear" if r.profile_class == "ExternalShear" else "mass"
        name = r.galaxy if count[r.galaxy] == 1 and r.attr_name == default_attr \
            else f"{r.galaxy}:{r.attr_name}"
        if any(ch.isspace() for ch in name):
            raise LenstoolError(path, None, f"galaxy name {name!r} has spaces",
                                "rename it: Lenstool names are single words")
        lines = [f"potentiel {name}"]
        lim = []
        mine = {k[3]: p for k, p in free.items() if k[:3] == ("mass", r.galaxy, r.attr_name)}
        if r.profile_class == "ExternalShear":
            g, ang = shear_to_lenstool(r.values["gamma_1"], r.values["gamma_2"])
            lines += ["\tprofil 14", f"\tgamma {_fmt(g)}", f"\tangle_pos {_fmt(ang)}", "\tkappa 0.0"]
            if mine:
                gmax = max(abs(v) for p in mine.values() for v in (p.lower or 0, p.upper or 0))
                notes.append(f"{name}: shear priors written as gamma 1 0 {gmax:g}, angle_pos 1 -90 90")
                lim = [f"limit {name}", f"\tgamma 1 0.0 {_fmt(gmax)} 0.01",
                       "\tangle_pos 1 -90.0 90.0 0.1", "\tend"]
        elif r.profile_class in ("dPIEMass", "dPIEMassSph"):
            lines.append("\tprofil 81")
            for col in ("x", "y", "ellipticity", "angle_pos", "r_core", "r_cut", "sigma"):
                if col in r.values:
                    v = r.values[col]
                    if v is None:
                        raise LenstoolError(path, None, f"{name}.{col} has no value",
                                            "write a start value before exporting")
                    lines.append(f"\t{_LT_KEYS[col]} {_fmt(v)}")
            lim = [_limit_line(_LT_KEYS[c], p, notes, f"{name}.{c}") for c, p in mine.items()]
            lim = [f"limit {name}", *lim, "\tend"] if lim else []
        else:
            raise LenstoolError(path, None, f"{r.galaxy}.{r.attr_name}: {r.profile_class} has no "
                                "Lenstool export", "export supports dPIEMass, dPIEMassSph, "
                                "ExternalShear")
        lines += [f"\tz_lens {_fmt(r.redshift)}", "\tend"]
        blocks.append((lines, lim))
    return sorted(blocks, key=lambda b: not b[1])


def _tier_blocks(model: ClusterModel, free: dict, stem: str, reference, files: dict,
                 notes: list[str], path: Path) -> list[str]:
    out: list[str] = []
    for rel in model.scaling_relations:
        v = rel.values
        for col, want in (("r_core_exponent", 0.5),):
            if v.get(col, want) != want:
                raise LenstoolError(path, None, f"tier {rel.tier!r}: {col} = {v.get(col)} but "
                                    f"Lenstool fixes it to {want}", "set r_core_exponent 0.5")
        members = model.tier_members(rel.tier)
        mag0, mags = _magnitudes(rel, members)
        fname = f"{stem}_{rel.tier}.cat"
        rows = [f"#REFERENCE 3 {_fmt(reference[0])} {_fmt(reference[1])}"]
        for i, (m, mag) in enumerate(zip(members, mags, strict=True)):
            e = m.extra.get("ellipticity", v.get("ellipticity", 0.0)) or 0.0
            ang = m.extra.get("angle_pos", v.get("angle_pos", 0.0)) or 0.0
            a = math.sqrt((1.0 + e) / (1.0 - e))
            mid = str(m.extra.get("id") or f"{rel.tier}_{i}").replace(" ", "_")
            rows.append(f"{mid} {_fmt(m.x)} {_fmt(m.y)} {_fmt(a)} 1.0 {_fmt(ang)} {_fmt(mag)} "
                        f"{_fmt(m.extra.get('lum') or 0.0)}")
        files[fname] = "\n".join(rows) + "\n"
        key = ("scaling_relations", rel.tier, "scaling")
        lines = [f"potfile {rel.tier}", f"\tfilein 1 {fname}", f"\tzlens {_fmt(rel.redshift)}",
                 "\ttype 81", f"\tcore {_fmt(v['r_core_ref'])}", f"\tmag0 {_fmt(mag0)}"]
        for lt, col in (("sigma", "sigma_ref"), ("cut", "r_cut_ref")):
            p = free.get((*key, col))
            if p is None:
                lines.append(f"\t{lt} 0 {_fmt(v[col])} 0.0")
            else:
                text = _limit_line(lt, p, notes, f"{rel.tier}.{col}").rsplit(" ", 1)[0]
                lines.append(text + (f" {_fmt(v[col])}" if p.prior != "Gaussian" else ""))
        for k in free:
            if k[:3] == key and k[3] not in ("sigma_ref", "r_cut_ref"):
                notes.append(f"{rel.tier}.{k[3]}: Lenstool cannot free it; written fixed")
        lines += [f"\tslope 0 {_fmt(2.0 / v['r_cut_exponent'])} 0.0",
                  f"\tvdslope 0 {_fmt(1.0 / v['sigma_exponent'])} 0.0",
                  "\tvdscatter 0 0.0 0.0", "\trcutscatter 0 0.0 0.0", "\tend"]
        out += lines
    return out


def _magnitudes(rel: ScalingRelation, members: list[ScalingGalaxy]) -> tuple[float, list[float]]:
    """mag0 and member magnitudes with L/L_ref = 10^(0.4 (mag0 − mag)); keeps a ``mag`` column when
    it is consistent with the luminosities, else uses mag0 = 25."""
    lref = rel.luminosity_ref
    mags = [m.extra.get("mag") for m in members]
    if members and all(isinstance(g, float) for g in mags):
        m0s = [g + 2.5 * math.log10(m.luminosity / lref) for g, m in zip(mags, members, strict=True)]
        if max(m0s) - min(m0s) < 1e-6:
            return round(sum(m0s) / len(m0s), 9), mags  # type: ignore[return-value]
    return 25.0, [25.0 - 2.5 * math.log10(m.luminosity / lref) for m in members]


def _sources_cat(model: ClusterModel, reference) -> str:
    rows = [f"#REFERENCE 3 {_fmt(reference[0])} {_fmt(reference[1])}"]
    for r in model.point:
        sid = r.attr_name[len("point_"):] if r.attr_name.startswith("point_") else r.attr_name
        rows.append(f"{sid} {_fmt(r.values['x'])} {_fmt(r.values['y'])} 0.1 0.1 0.0 "
                    f"{_fmt(r.redshift)} 0.0")
    return "\n".join(rows) + "\n"


def _image_block(model: ClusterModel, free: dict, stem: str, reference, files: dict,
                 notes: list[str]) -> list[str]:
    if not model.point_images:
        return []
    noises = sorted({im.positions_noise for im in model.point_images})
    noise = noises[len(noises) // 2]
    if len(noises) > 1:
        notes.append(f"positions_noise differs between images; sigposArcsec = {noise:g} for all")
    rows = [f"#REFERENCE 3 {_fmt(reference[0])} {_fmt(reference[1])}"]
    zlines = []
    for ds in model.point_datasets:
        sid = ds.name[len("point_"):] if ds.name.startswith("point_") else ds.name
        for k, im in enumerate(ds.images, start=1):
            rows.append(f"{sid}.{k} {_fmt(im.x)} {_fmt(im.y)} 0.1 0.1 0.0 {_fmt(im.redshift or 0)} "
                        "0.0")
        zp = [p for p in model.priors if p.attr_name == REDSHIFT and p.galaxy == f"source_{sid}"]
        if zp:
            p = zp[-1]
            if p.prior == "Gaussian":
                zlines.append(f"\tz_m_limit 1 {sid} 3 {_fmt(p.mean)} {_fmt(p.sigma)} 0.01")
            else:
                zlines.append(f"\tz_m_limit 1 {sid} 1 {_fmt(p.lower)} {_fmt(p.upper)} 0.01")
    files[f"{stem}_images.cat"] = "\n".join(rows) + "\n"
    return ["image", f"\tmultfile 1 {stem}_images.cat", "\tmult_wcs 0", "\tforme -2",
            f"\tsigposArcsec {_fmt(noise)}", *zlines, "\tend"]
