"""Lenstool ``profil 12`` (NFW) ↔ ``NFWSph`` rows (Lenstool ``set_dynamics`` case 12, ``e_nfw.c``).

Lenstool evaluates profil 12 from a characteristic velocity σ_s (``v_disp``) and a scale radius r_s:
b0 = 6π (σ_s/c)², α(r) = b0 (r_s/r) h(r/r_s) and κ = b0/(2 r_s) g(r/r_s) (``nfw_dpl``, ``nfw_kappa``), for
D_ls/D_s = 1. Our NFW has α = 4 κ_s r_s h(X)/X (Wright & Brainerd 2000), so κ_s = b0/(4 r_s) (arcsec).
As ``set_dynamics``, the first of these pairs present sets (σ_s, r_s): concentration + m200,
concentration + r200, concentration + r_s, r_s + m200, r_s + r200, m200 alone (c from Macciò et al.
2008, log c = −0.098 (log M200 − 12) + 0.830), else v_disp + r_s; with ρ_s = (200/3) c³/(ln(1 + c) −
c/(1 + c)) ρ_crit(z) and σ_s² = (8/3) G r_s² ρ_s, r200 = (3 M200/(800π ρ_crit))^0.333333 (Lenstool's
exponent). ρ_crit(z) and kpc ↔ arcsec come from the ``cosmologie`` block (flat ΛCDM, as Lenstool).

Lenstool's profil 12 is elliptical in the *potential* (its ``e_grad`` case 12 scales a circular
deflection), while ``NFW`` is elliptical in the convergence: only circular profil 12 blocks are
imported; elliptical ones are refused. Export writes ``NFWSph`` (and round ``NFW``) as v_disp +
scale_radius, the pair Lenstool reads back without cosmology.
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


def nfw_row(b: ParBlock, galaxy: str, attr: str, z: float, x: float, y: float, e: float,
            ctx: Ctx) -> ProfileRow:
    """A circular profil 12 block as an ``NFWSph`` row (κ_s for D_ls/D_s = 1; the importer rescales)."""
    if e != 0:
        ln = b.get("ellipticite") or b.get("ellip_pot")
        raise LenstoolError(ctx.path, ln.line if ln else b.line, f"potentiel {b.label!r}: profil 12 "
                            f"with ellipticity {e:g} is not supported: Lenstool's NFW is elliptical in "
                            "the potential, clusterfit's NFW in the convergence",
                            "set the ellipticity to 0, or write an NFW row in mass.csv by hand")
    sigma, rs = _sigma_rs(b, z, ctx)
    if not (sigma > 0 and rs > 0):
        raise LenstoolError(ctx.path, b.line, f"potentiel {b.label!r}: profil 12 with σ_s = {sigma:g} "
                            f"km/s, r_s = {rs:g} arcsec", "both must be > 0")
    kappa_s = float(b0_from_sigma(sigma)) / (4.0 * rs)
    return ProfileRow("mass", galaxy, attr or "mass", "NFWSph",
                      {"y": y, "x": x, "kappa_s": kappa_s, "scale_radius": rs}, z, Source(ctx.path.name, b.line))


def nfw_lenstool_lines(values: dict, name: str, path) -> list[str]:
    """``profil 12`` lines of an ``NFWSph`` row (or an ``NFW`` row with zero ``ell_comps``)."""
    if any(values.get(k) not in (None, 0.0) for k in ("ell_comps_0", "ell_comps_1")):
        raise LenstoolError(path, None, f"{name}: an elliptical NFW has no Lenstool form (Lenstool's "
                            "profil 12 is elliptical in the potential)", "export a round NFW or NFWSph")
    for col in ("y", "x", "kappa_s", "scale_radius"):
        if values.get(col) is None:
            raise LenstoolError(path, None, f"{name}.{col} has no value", "write a start value before exporting")
    sigma = sigma_s_from_kappa_s(values["kappa_s"], values["scale_radius"])
    return ["\tprofil 12", f"\tx_centre {values['x']!r}", f"\ty_centre {values['y']!r}",
            f"\tscale_radius {values['scale_radius']!r}", f"\tv_disp {sigma!r}"]
