"""M200 → NFW (κ_s, r_s) with the Ludlow et al. 2016 concentration. **Build time only** (numpy/scipy).

Used by the model builder for ``NFWMCRLudlowSph`` rows: it calls :func:`nfw_ludlow_kappa_s_scale_radius`
once per row and passes the results as ``kappa_s`` and ``scale_radius`` to the NFW functions in
:mod:`clusterfit.physics.mass.nfw`. Nothing here is traced by JAX.

Concentration (Ludlow et al. 2016, Eqs. C1–C6; the algorithm of colossus ``modelLudlow16``): the
c at which the Einasto (α = 0.18) mass ratio M(<r_s)/M(<r_200) equals
erfc[(δ_c/D(z_f) − δ_c/D(z)) / √(2 (σ²(f M) − σ²(M)))], with f = 0.02 and the formation redshift z_f
defined by ρ_crit(z_f) = ⟨ρ(<r_s)⟩ / C, C = 650; σ(R) from the Eisenstein & Hu 1998 transfer
function normalised to σ8, D(z) the linear growth factor.

Numerics are chosen to reproduce PyAutoLens 2026.10.26.1 (so that a model folder gives the same
image positions in both): c solved by linear interpolation on 200 log-spaced values in [1, 100];
σ² by the trapezoid rule on 256 log-spaced k in [1e-5, 1e3] h/Mpc; D(z) by the trapezoid rule on 256
points in ln(1 + z′) up to z′ = 1e4; the concentration uses colossus's ``planck15`` parameters
(:data:`PLANCK15_COLOSSUS`, no radiation), independent of the lensing cosmology.

Then r_200 = [3 M200 / (800 π ρ_crit(z))]^⅓, r_s = r_200/c, ρ_s = ρ_crit δ_c with
δ_c = (200/3) c³ / [ln(1 + c) − c/(1 + c)], κ_s = ρ_s r_s / Σ_cr with Σ_cr = c² / (4 π G D_l) (i.e. for
D_ls/D_s = 1; the tracer multiplies deflections by the actual ratio).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfc, gammainc

from clusterfit.physics.cosmology import (
    Cosmology,
    critical_density,
    critical_surface_density,
    kpc_per_arcsec,
)

__all__ = ["PLANCK15_COLOSSUS", "ludlow16_concentration", "nfw_ludlow_kappa_s_scale_radius"]

PLANCK15_COLOSSUS = dict(h=0.6774, Om0=0.3089, Ob0=0.0486, Tcmb0=2.7255, sigma8=0.8159, ns=0.9667)
"""colossus's ``planck15`` preset, used for the concentration (as PyAutoLens does)."""

_EINASTO_ALPHA = 0.18
_C_FORMATION = 650.0
_F_FORMATION = 0.02
_DELTA_COLLAPSE = 1.68647019984
_RHO_CRIT0_H2 = 2.77536627e11  # M☉ h² / Mpc³


def _transfer_eh98(k, h, Om0, Ob0, Tcmb0):
    """Eisenstein & Hu 1998 transfer function with baryon wiggles; k in h/Mpc (EH98 Eqs. 2–24)."""
    om_h2, ob_h2 = Om0 * h * h, Ob0 * h * h
    fb, fc = Ob0 / Om0, (Om0 - Ob0) / Om0
    th = Tcmb0 / 2.7
    k = k * h  # 1/Mpc
    z_eq = 2.50e4 * om_h2 / th**4  # Eq. 2
    k_eq = 7.46e-2 * om_h2 / th**2  # Eq. 3
    b1 = 0.313 * om_h2**-0.419 * (1.0 + 0.607 * om_h2**0.674)  # Eq. 4
    b2 = 0.238 * om_h2**0.223
    z_d = 1291.0 * om_h2**0.251 / (1.0 + 0.659 * om_h2**0.828) * (1.0 + b1 * ob_h2**b2)
    r_d = 31.5 * ob_h2 / th**4 / (z_d / 1e3)  # Eq. 5
    r_eq = 31.5 * ob_h2 / th**4 / (z_eq / 1e3)
    s = 2.0 / (3.0 * k_eq) * np.sqrt(6.0 / r_eq) * np.log(
        (np.sqrt(1.0 + r_d) + np.sqrt(r_d + r_eq)) / (1.0 + np.sqrt(r_eq))
    )  # Eq. 6
    k_silk = 1.6 * ob_h2**0.52 * om_h2**0.73 * (1.0 + (10.4 * om_h2) ** -0.95)  # Eq. 7
    q = k / (13.41 * k_eq)  # Eq. 10
    a1 = (46.9 * om_h2) ** 0.670 * (1.0 + (32.1 * om_h2) ** -0.532)  # Eq. 11
    a2 = (12.0 * om_h2) ** 0.424 * (1.0 + (45.0 * om_h2) ** -0.582)
    alpha_c = a1**-fb * a2 ** -(fb**3)
    bb1 = 0.944 / (1.0 + (458.0 * om_h2) ** -0.708)  # Eq. 12
    bb2 = (0.395 * om_h2) ** -0.0266
    beta_c = 1.0 / (1.0 + bb1 * (fc**bb2 - 1.0))

    def t0(alpha, beta):  # Eqs. 19–20
        ln = np.log(np.e + 1.8 * beta * q)
        c = 14.2 / alpha + 386.0 / (1.0 + 69.9 * q**1.08)
        return ln / (ln + c * q * q)

    f = 1.0 / (1.0 + (k * s / 5.4) ** 4)  # Eq. 18
    t_c = f * t0(1.0, beta_c) + (1.0 - f) * t0(alpha_c, beta_c)  # Eq. 17
    y = (1.0 + z_eq) / (1.0 + z_d)
    g_y = y * (-6.0 * np.sqrt(1.0 + y) + (2.0 + 3.0 * y) * np.log(
        (np.sqrt(1.0 + y) + 1.0) / (np.sqrt(1.0 + y) - 1.0)))  # Eq. 15
    alpha_b = 2.07 * k_eq * s * (1.0 + r_d) ** -0.75 * g_y  # Eq. 14
    beta_b = 0.5 + fb + (3.0 - 2.0 * fb) * np.sqrt((17.2 * om_h2) ** 2 + 1.0)  # Eq. 24
    beta_node = 8.41 * om_h2**0.435  # Eq. 23
    s_tilde = s / (1.0 + (beta_node / (k * s)) ** 3) ** (1.0 / 3.0)  # Eq. 22
    t_b = (t0(1.0, 1.0) / (1.0 + (k * s / 5.2) ** 2)
           + alpha_b / (1.0 + (beta_b / (k * s)) ** 3) * np.exp(-((k / k_silk) ** 1.4))
           ) * np.sin(k * s_tilde) / (k * s_tilde)  # Eq. 21
    return fb * t_b + fc * t_c  # Eq. 16


def _sigma2(radius, h, Om0, Ob0, Tcmb0, ns, n_k: int = 256):
    """Unnormalised σ²(R) (R in Mpc/h) with P(k) ∝ k^ns T(k)², top-hat window, trapezoid in ln k."""
    ln_k = np.linspace(-5.0 * np.log(10.0), 3.0 * np.log(10.0), n_k)
    k = np.exp(ln_k)
    pk = k**ns * _transfer_eh98(k, h, Om0, Ob0, Tcmb0) ** 2
    kr = k[None, :] * np.atleast_1d(radius)[:, None]
    small = kr < 1e-3
    krs = np.where(small, 1.0, kr)
    w = np.where(small, 1.0 - kr**2 / 10.0 + kr**4 / 280.0,
                 3.0 * (np.sin(krs) - krs * np.cos(krs)) / krs**3)
    integrand = k**3 * pk * w**2 / (2.0 * np.pi**2)
    return np.trapezoid(integrand, ln_k, axis=-1)


def _growth(z, Om0, n: int = 256, z_max: float = 1.0e4):
    """Linear growth D(z)/D(0) in flat ΛCDM: D ∝ E(z) ∫_z^∞ (1 + z′)/E³ dz′ (Heath 1977)."""
    ode0 = 1.0 - Om0

    def unnorm(zz):
        u = np.log(1.0 + zz) + (np.log(1.0 + z_max) - np.log(1.0 + zz)) * np.linspace(0.0, 1.0, n)
        zp = np.exp(u) - 1.0
        e = np.sqrt(Om0 * (1.0 + zp) ** 3 + ode0)
        return np.sqrt(Om0 * (1.0 + zz) ** 3 + ode0) * np.trapezoid((1.0 + zp) ** 2 / e**3, u)

    return np.array([unnorm(zz) for zz in np.atleast_1d(z)]) / unnorm(0.0)


def ludlow16_concentration(mass_at_200_msun_h: float, redshift: float,
                           cosmology: dict | None = None) -> float:
    """c_200c(M200c [M☉/h], z) of Ludlow et al. 2016 (Appendix C), numerics as PyAutoLens (module doc)."""
    p = dict(PLANCK15_COLOSSUS if cosmology is None else cosmology)
    h, om0 = p["h"], p["Om0"]
    ode0 = 1.0 - om0
    c = np.logspace(0.0, 2.0, 200)
    s_e = 3.0 / _EINASTO_ALPHA
    m_ratio = gammainc(s_e, 2.0 / _EINASTO_ALPHA) / gammainc(s_e, 2.0 / _EINASTO_ALPHA * c**_EINASTO_ALPHA)
    rho_ratio = 200.0 * c**3 * m_ratio / _C_FORMATION
    t1 = (rho_ratio * (om0 * (1.0 + redshift) ** 3 + ode0) - ode0) / om0
    valid = t1 > 0.0
    z_f = np.where(valid, t1, 1.0) ** (1.0 / 3.0) - 1.0

    def lagrangian_radius(m):
        return (3.0 * m / (4.0 * np.pi * om0 * _RHO_CRIT0_H2)) ** (1.0 / 3.0)

    args = (h, om0, p["Ob0"], p["Tcmb0"], p["ns"])
    norm = p["sigma8"] ** 2 / _sigma2(8.0, *args)[0]
    radii = np.array([lagrangian_radius(_F_FORMATION * mass_at_200_msun_h),
                      lagrangian_radius(mass_at_200_msun_h)])
    s2_fm, s2_m = norm * _sigma2(radii, *args)
    delta_z = _DELTA_COLLAPSE / _growth(redshift, om0)[0]
    delta_zf = _DELTA_COLLAPSE / _growth(z_f, om0)
    rhs = erfc((delta_zf - delta_z) / np.sqrt(2.0 * (s2_fm - s2_m)))
    diff = np.where(valid, m_ratio - rhs, -10.0)
    return float(np.interp(0.0, diff, c))


def nfw_ludlow_kappa_s_scale_radius(
    mass_at_200, redshift_object: float, cosmology: Cosmology
) -> tuple[np.ndarray, np.ndarray]:
    """(κ_s, r_s [arcsec]) of NFW haloes of mass M200c [M☉] at ``redshift_object``, for D_ls/D_s = 1.

    Build time only (numpy). ``mass_at_200`` may be a scalar or an array of shape (n,); the results
    have its shape. The lensing cosmology gives ρ_crit(z), D_l and the arcsec scale; the
    concentration uses :data:`PLANCK15_COLOSSUS` as PyAutoLens does.
    """
    masses = np.asarray(mass_at_200, dtype=float)
    h = PLANCK15_COLOSSUS["h"]
    conc = np.array([ludlow16_concentration(m * h, redshift_object) for m in masses.reshape(-1)])
    conc = conc.reshape(masses.shape)
    rho_c = critical_density(cosmology, redshift_object)  # M☉/kpc³
    r200 = (masses / (200.0 * rho_c * 4.0 * np.pi / 3.0)) ** (1.0 / 3.0)  # kpc
    delta_c = 200.0 / 3.0 * conc**3 / (np.log(1.0 + conc) - conc / (1.0 + conc))
    rs_kpc = r200 / conc
    sigma_cr = critical_surface_density(cosmology, redshift_object, None, unit="kpc2")
    kappa_s = rho_c * delta_c * rs_kpc / sigma_cr
    return kappa_s, rs_kpc / kpc_per_arcsec(cosmology, redshift_object)
