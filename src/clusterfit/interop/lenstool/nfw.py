"""Lenstool ``profil 12`` (NFW) ↔ ``NFWSph`` / ``NFWEllipticalPotential`` rows (Lenstool ``set_dynamics`` case 12, ``e_nfw.c``).

Lenstool evaluates profil 12 from a characteristic velocity σ_s (``v_disp``) and a scale radius r_s:
b0 = 6π (σ_s/c)², α(r) = b0 (r_s/r) h(r/r_s) and κ = b0/(2 r_s) g(r/r_s) (``nfw_dpl``, ``nfw_kappa``), for
D_ls/D_s = 1. Our NFW has α = 4 κ_s r_s h(X)/X (Wright & Brainerd 2000), so κ_s = b0/(4 r_s) (arcsec).
As ``set_dynamics``, the first of these pairs present sets (σ_s, r_s): concentration + m200,
concentration + r200, concentration + r_s, r_s + m200, r_s + r200, m200 alone (c from Macciò et al.
2008, log c = −0.098 (log M200 − 12) + 0.830), else v_disp + r_s; with ρ_s = (200/3) c³/(ln(1 + c) −
c/(1 + c)) ρ_crit(z) and σ_s² = (8/3) G r_s² ρ_s, r200 = (3 M200/(800π ρ_crit))^0.333333 (Lenstool's
exponent). ρ_crit(z) and kpc ↔ arcsec come from the ``cosmologie`` block (flat ΛCDM, as Lenstool).

Lenstool's profil 12 is elliptical in the *potential* (``e_grad.c``/``e_grad2.c`` case 12:
ψ = ψ_NFW(√((1 − ε) x'² + (1 + ε) y'²)) with ε = ``ellipticite``, or ε = 3 ``ellip_pot`` when only
that is given, ``set_lens.c``), which is the class ``NFWEllipticalPotential`` (ε and ``angle_pos`` as
written; a negative ε becomes −ε with angle_pos + 90). A block with ε = 0 is an ``NFWSph``. A
non-zero ``alpha`` makes Lenstool's generalised NFW (``nfwg_dpl``, a tabulated inner slope): 1 is the
NFW itself (imported as the exact NFW, with a note), other slopes are refused. ``NFW`` (elliptical in
the convergence) has no Lenstool form and is refused on export unless round. Export writes
``NFWSph``, round ``NFW`` and ``NFWEllipticalPotential`` as v_disp + scale_radius (+ ellipticite,
angle_pos), the values Lenstool reads back without cosmology.
"""

from __future__ import annotations

import math

from ...physics.mass.dpie import b0_from_sigma
from ...tables import ProfileRow, Source
from .context import Ctx
from .par import LenstoolError, ParBlock
from .units import C_KM_S

__all__ = ["nfw_row", "nfw_lenstool_lines", "sigma_s_from_kappa_s"]

_G_MPC = 4.300917270069976e-09  # G in Mpc (km/s)² / M☉ (astropy constants, CODATA 2018, IAU 2015)


def _rho_crit_msun_mpc3(z: float, ctx: Ctx) -> float:
    from astropy.cosmology import FlatLambdaCDM

    cosmo = FlatLambdaCDM(H0=ctx.cosmology.H0, Om0=ctx.cosmology.Om0)
    return float(cosmo.critical_density(z).to_value("Msun / Mpc3"))


def _rho_s(c: float, rho_c: float) -> float:
    return 200.0 / 3.0 * c**3 / (math.log1p(c) - c / (1.0 + c)) * rho_c


def _r200_mpc(m200: float, rho_c: float) -> float:
    return (3.0 * m200 / 4.0 / math.pi / rho_c / 200.0) ** 0.333333


def _sigma_s(rs_mpc: float, rho_s: float) -> float:
    return math.sqrt(8.0 / 3.0 * _G_MPC * rs_mpc * rs_mpc * rho_s)


def sigma_s_from_kappa_s(kappa_s: float, scale_radius: float) -> float:
    """Lenstool's σ_s (km/s) of an NFW with κ_s (D_ls/D_s = 1) and r_s (arcsec): b0 = 4 κ_s r_s."""
    return C_KM_S * math.sqrt(4.0 * kappa_s * scale_radius / float(b0_from_sigma(C_KM_S)))


def _get(b: ParBlock, key: str, ctx: Ctx) -> float | None:
    ln = b.get(key)
    return None if ln is None else ln.number(0, ctx.path, key)


def _sigma_rs(b: ParBlock, z: float, ctx: Ctx) -> tuple[float, float]:
    """(σ_s km/s, r_s arcsec) as Lenstool's ``set_dynamics`` case 12 (module docstring)."""
    kpc = ctx.scale(z)
    c = _get(b, "beta", ctx) or 0.0
    m200 = _get(b, "masse", ctx) or 0.0
    rs_kpc = _get(b, "core_radius_kpc", ctx) or 0.0
    rs = rs_kpc / kpc if rs_kpc else (_get(b, "core_radius", ctx) or 0.0)
    r200_kpc = _get(b, "cut_radius_kpc", ctx)
    r200 = r200_kpc / kpc if r200_kpc else _get(b, "cut_radius", ctx)
    if m200 and not c and not rs:
        c = 10.0 ** (-0.098 * (math.log10(m200) - 12.0) + 0.830)
    if c or (rs and (m200 or r200)):
        rho_c = _rho_crit_msun_mpc3(z, ctx)
        if c and m200:
            rs_mpc = _r200_mpc(m200, rho_c) / c
        elif c and r200:
            rs_mpc = r200 * kpc / 1000.0 / c
        elif c and rs:
            rs_mpc = rs * kpc / 1000.0
        elif c:
            raise LenstoolError(ctx.path, b.line, f"potentiel {b.label!r}: profil 12 with a "
                                "concentration but no m200, r200 or scale_radius",
                                "add m200, r200 or scale_radius (Lenstool set_dynamics case 12)")
        else:
            rs_mpc = rs * kpc / 1000.0
            c = (_r200_mpc(m200, rho_c) if m200 else r200 * kpc / 1000.0) / rs_mpc
        return _sigma_s(rs_mpc, _rho_s(c, rho_c)), rs_mpc * 1000.0 / kpc
    sigma = _get(b, "v_disp", ctx)
    if sigma is None or not rs:
        raise LenstoolError(ctx.path, b.line, f"potentiel {b.label!r}: profil 12 needs its NFW "
                            "parameters", "write v_disp (σ_s) and scale_radius, or concentration and "
                            "m200 (or r200, scale_radius), as Lenstool's set_dynamics reads them")
    return sigma, rs


def _ellipticity(b: ParBlock, ctx: Ctx) -> tuple[float, float, int]:
    """(ε, angle_pos deg, line) of a profil 12 block, as ``set_lens.c`` sets ``emass`` for it."""
    e_ln, ep_ln = b.get("ellipticite"), b.get("ellip_pot")
    e = e_ln.number(0, ctx.path, "ellipticite") if e_ln is not None else 0.0
    line = e_ln.line if e_ln is not None else b.line
    if e == 0.0 and ep_ln is not None:
        e, line = 3.0 * ep_ln.number(0, ctx.path, "ellip_pot"), ep_ln.line
    angle = _get(b, "angle_pos", ctx) or 0.0
    if abs(e) >= 1.0:
        raise LenstoolError(ctx.path, line, f"potentiel {b.label!r}: profil 12 ellipticity {e:g} is not "
                            "below 1 (Lenstool's u² = (1 − ε) x² + (1 + ε) y² needs |ε| < 1)",
                            "write ellipticite ε with |ε| < 1 (or ellip_pot below 1/3)")
    if e < 0:
        ctx.note(f"{ctx.path.name}:{line}: negative profil 12 ellipticity of {b.label!r} made positive, "
                 "angle_pos + 90")
        e, angle = -e, angle + 90.0
    return e, angle, line


def _check_alpha(b: ParBlock, ctx: Ctx) -> None:
    ln = b.get("exponent")
    alpha = 0.0 if ln is None else ln.number(0, ctx.path, ln.key)
    if alpha == 1.0:
        ctx.note(f"{ctx.path.name}:{ln.line}: profil 12 with alpha 1: Lenstool's generalised NFW with inner "
                 "slope 1 (from its lenstool.tab table) is the NFW; imported as the exact NFW")
    elif alpha != 0.0:
        raise LenstoolError(ctx.path, ln.line, f"potentiel {b.label!r}: profil 12 with alpha {alpha:g} is "
                            "Lenstool's generalised NFW (inner slope alpha), which clusterfit does not "
                            "model", "remove the alpha line (or write alpha 0 or 1) for the NFW")


def nfw_row(b: ParBlock, galaxy: str, attr: str, z: float, x: float, y: float, ctx: Ctx) -> ProfileRow:
    """A profil 12 block as an ``NFWSph`` row (ε = 0) or an ``NFWEllipticalPotential`` row (κ_s for
    D_ls/D_s = 1; the importer rescales)."""
    _check_alpha(b, ctx)
    e, angle, _ = _ellipticity(b, ctx)
    sigma, rs = _sigma_rs(b, z, ctx)
    if not (sigma > 0 and rs > 0):
        raise LenstoolError(ctx.path, b.line, f"potentiel {b.label!r}: profil 12 with σ_s = {sigma:g} "
                            f"km/s, r_s = {rs:g} arcsec", "both must be > 0")
    kappa_s = float(b0_from_sigma(sigma)) / (4.0 * rs)
    src = Source(ctx.path.name, b.line)
    if e == 0.0:
        return ProfileRow("mass", galaxy, attr or "mass", "NFWSph",
                          {"y": y, "x": x, "kappa_s": kappa_s, "scale_radius": rs}, z, src)
    return ProfileRow("mass", galaxy, attr or "mass", "NFWEllipticalPotential",
                      {"y": y, "x": x, "ellipticity": e, "angle_pos": angle, "kappa_s": kappa_s,
                       "scale_radius": rs}, z, src)


def nfw_lenstool_lines(values: dict, name: str, path) -> list[str]:
    """``profil 12`` lines of an ``NFWSph``, a round ``NFW`` or an ``NFWEllipticalPotential`` row."""
    if any(values.get(k) not in (None, 0.0) for k in ("ell_comps_0", "ell_comps_1")):
        raise LenstoolError(path, None, f"{name}: an NFW elliptical in the convergence has no Lenstool form "
                            "(Lenstool's profil 12 is elliptical in the potential)",
                            "export a round NFW, or use NFWEllipticalPotential (Lenstool's profil 12) "
                            "in mass.csv")
    cols = ("y", "x", "kappa_s", "scale_radius") + tuple(c for c in ("ellipticity", "angle_pos") if c in values)
    for col in cols:
        if values.get(col) is None:
            raise LenstoolError(path, None, f"{name}.{col} has no value", "write a start value before exporting")
    sigma = sigma_s_from_kappa_s(values["kappa_s"], values["scale_radius"])
    lines = ["\tprofil 12", f"\tx_centre {values['x']!r}", f"\ty_centre {values['y']!r}"]
    if "ellipticity" in values:
        lines += [f"\tellipticite {values['ellipticity']!r}", f"\tangle_pos {values['angle_pos']!r}"]
    return lines + [f"\tscale_radius {values['scale_radius']!r}", f"\tv_disp {sigma!r}"]
