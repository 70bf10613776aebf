"""Generic consistency tests over every registered mass class (lenstronomy-style contract tests).

For each class: ∇ψ = α (reverse mode), the Hessian = finite differences of α, κ = tr(H)/2, jit = eager,
a group of n equals the sum of n single-profile calls, and values and parameter gradients stay finite at
the exact centre and in the round limit (q → 1). ``NFWMCRLudlowSph`` runs on the (κ_s, r_s) the model
builder derives from its ``mass_at_200``, and that conversion is checked against the NFW mass within
r_200 computed here with astropy.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.functions import PROFILE_FUNCTIONS
from clusterfit.physics.mass import nfw_ludlow_kappa_s_scale_radius
from clusterfit.registry import specs_for_family

MASS = [s.name for s in specs_for_family("mass")]
M200, Z_HALO = np.array([1e14, 1e12, 1e15]), 0.3  # M☉, the haloes' redshift
KAPPA_S, R_S = nfw_ludlow_kappa_s_scale_radius(M200, Z_HALO, Cosmology())  # the builder's conversion

# Three profiles per class (a group); values chosen to cover ellipticity, core and cut ranges.
GROUPS = {
    "dPIEMass": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ellipticity=[0.3, 0.7, 0.05],
                     angle_pos=[20.0, 135.0, -70.0], sigma=[300.0, 150.0, 80.0],
                     r_core=[0.05, 1e-4, 0.3], r_cut=[30.0, 5.0, 12.0]),
    "dPIEMassSph": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], sigma=[300.0, 150.0, 80.0],
                        r_core=[0.05, 1e-4, 0.3], r_cut=[30.0, 5.0, 12.0]),
    "Isothermal": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ell_comps_0=[0.1, -0.5, 0.0],
                       ell_comps_1=[0.2, 0.3, 1e-4], einstein_radius=[1.5, 0.7, 3.0]),
    "IsothermalSph": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], einstein_radius=[1.5, 0.7, 3.0]),
    "NFWSph": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], kappa_s=[0.1, 0.3, 0.05],
                   scale_radius=[10.0, 1.0, 3.0]),
    "NFW": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ell_comps_0=[0.1, -0.5, 0.0],
                ell_comps_1=[0.2, 0.3, 1e-4], kappa_s=[0.1, 0.3, 0.05], scale_radius=[10.0, 1.0, 3.0]),
    "NFWEllipticalPotential": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ellipticity=[0.2, 0.5, 1e-4],
                                   angle_pos=[20.0, 135.0, -70.0], kappa_s=[0.1, 0.3, 0.05],
                                   scale_radius=[10.0, 1.0, 3.0]),
    "PowerLaw": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ell_comps_0=[0.1, -0.5, 0.0],
                     ell_comps_1=[0.2, 0.3, 1e-4], einstein_radius=[1.5, 0.7, 3.0], slope=[2.0, 1.6, 2.5]),
    "MassSheet": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], kappa=[0.05, -0.02, 0.1]),
    "NFWMCRLudlowSph": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], mass_at_200=list(M200),
                            kappa_s=list(KAPPA_S), scale_radius=list(R_S)),
    "PointMass": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], einstein_radius=[1.5, 0.7, 3.0]),
    "ExternalShear": dict(gamma_1=[0.05, -0.02, 0.01], gamma_2=[-0.03, 0.04, 0.0]),
}


def _params(name, idx=None):
    g = GROUPS[name]
    sl = slice(None) if idx is None else slice(idx, idx + 1)
    return {k: jnp.asarray(v, dtype=jnp.float64)[sl] for k, v in g.items()}


def _points(name, n=60, seed=0):
    """Random positions at least 0.3″ from every centre (the derivative checks need smoothness)."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(-8.0, 8.0, size=(4 * n, 2))
    g = GROUPS[name]
    if "y" in g:
        centres = np.stack([g["y"], g["x"]], 1)
        d = np.min(np.linalg.norm(pts[:, None, :] - centres[None], axis=-1), axis=1)
        pts = pts[d > 0.3]
    return jnp.asarray(pts[:n, 0]), jnp.asarray(pts[:n, 1])


def _fn(name, key):
    return PROFILE_FUNCTIONS[name][key]


def test_every_mass_class_has_functions():
    assert set(MASS) == set(GROUPS)
    for name in MASS:
        assert {"deflections_yx", "convergence", "potential", "hessian"} <= set(PROFILE_FUNCTIONS[name])


@pytest.mark.parametrize("name", MASS)
def test_grad_potential_is_deflection(name):
    params, (y, x) = _params(name), _points(name)
    pot = _fn(name, "potential")
    g = jax.vmap(jax.grad(lambda yy, xx: pot(params, yy[None], xx[None])[0], argnums=(0, 1)))(y, x)
    d = _fn(name, "deflections_yx")(params, y, x)
    np.testing.assert_allclose(g[0], d.y, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(g[1], d.x, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", MASS)
def test_hessian_is_finite_differences_of_the_deflection(name):
    """The Hessian against 4th-order central differences of the deflections (no automatic differentiation:
    the elliptical profiles' Hessians are forward-mode derivatives of their deflections, the circular ones'
    closed forms), and the deflection field curl-free (∂α_y/∂x = ∂α_x/∂y)."""
    params, (y, x) = _params(name), _points(name, seed=1)
    defl = _fn(name, "deflections_yx")
    h = 1e-3  # arcsec; points are ≥ 0.3″ from every centre

    def d(dy, dx):
        out = defl(params, y + dy, x + dx)
        return np.stack([np.asarray(out.y), np.asarray(out.x)])

    def diff(e):
        return (8 * (d(*(h * e)) - d(*(-h * e))) - (d(*(2 * h * e)) - d(*(-2 * h * e)))) / (12 * h)

    (ayy, axy), (ayx, axx) = diff(np.array([1.0, 0.0])), diff(np.array([0.0, 1.0]))  # ∂/∂y, ∂/∂x
    hess = _fn(name, "hessian")(params, y, x)
    np.testing.assert_allclose(ayx, axy, rtol=1e-7, atol=1e-9)  # curl-free
    for ours, fd in ((hess.yy, ayy), (hess.yx, 0.5 * (ayx + axy)), (hess.xx, axx)):
        np.testing.assert_allclose(ours, fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", MASS)
def test_convergence_is_half_trace_of_hessian(name):
    params, (y, x) = _params(name), _points(name, seed=2)
    h = _fn(name, "hessian")(params, y, x)
    k = _fn(name, "convergence")(params, y, x)
    np.testing.assert_allclose(k, 0.5 * (h.yy + h.xx), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", MASS)
@pytest.mark.parametrize("key", ["deflections_yx", "convergence", "potential", "hessian"])
def test_jit_equals_eager(name, key):
    params, (y, x) = _params(name), _points(name, seed=3)
    f = _fn(name, key)
    eager = jnp.atleast_2d(jnp.stack(f(params, y, x)) if key in ("deflections_yx", "hessian") else f(params, y, x))
    jitted = jax.jit(f)(params, y, x)
    jitted = jnp.atleast_2d(jnp.stack(jitted) if key in ("deflections_yx", "hessian") else jitted)
    np.testing.assert_allclose(jitted, eager, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", MASS)
@pytest.mark.parametrize("key", ["deflections_yx", "convergence", "potential", "hessian"])
def test_group_is_sum_of_singles(name, key):
    (y, x) = _points(name, seed=4)
    f = _fn(name, key)

    def arr(v):
        return jnp.stack(v) if key in ("deflections_yx", "hessian") else v

    total = arr(f(_params(name), y, x))
    singles = sum(arr(f(_params(name, i), y, x)) for i in range(3))
    assert total.shape[-1] == y.shape[0]
    np.testing.assert_allclose(total, singles, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", MASS)
def test_finite_values_and_gradients_at_centre_and_round_limit(name):
    params = _params(name)
    # round limit: zero ellipticity everywhere
    for k in ("ellipticity", "ell_comps_0", "ell_comps_1"):
        if k in params:
            params[k] = jnp.zeros_like(params[k])
    if "y" in params:
        y = jnp.concatenate([params["y"], params["y"] + 1e-7, jnp.array([3.0])])
        x = jnp.concatenate([params["x"], params["x"], jnp.array([-2.0])])
    else:
        y, x = jnp.array([0.0, 1e-9, 3.0]), jnp.array([0.0, 0.0, -2.0])
    for key in ("deflections_yx", "convergence", "potential", "hessian"):
        f = _fn(name, key)

        def scalar(p, f=f, key=key):
            out = f(p, y, x)
            return jnp.sum(jnp.stack(out) if key in ("deflections_yx", "hessian") else out)

        val = f(params, y, x)
        assert np.all(np.isfinite(np.asarray(jnp.stack(val) if key in ("deflections_yx", "hessian") else val)))
        grads = jax.grad(scalar)(params)
        for k, g in grads.items():
            assert np.all(np.isfinite(np.asarray(g))), (name, key, k)
        gy = jax.grad(lambda yy, f=f, key=key: jnp.sum(
            jnp.stack(f(params, yy, x)) if key in ("deflections_yx", "hessian") else f(params, yy, x)))(y)
        assert np.all(np.isfinite(np.asarray(gy))), (name, key)


def test_mass_at_200_is_the_nfw_mass_within_r200():
    """(κ_s, r_s) from ``mass_at_200``: the NFW with ρ_s = κ_s Σ_cr / r_s (Σ_cr = c²/(4πG D_l), D_ls/D_s = 1)
    holds M200 within the radius where its mean density is 200 ρ_crit(z) (astropy's ρ_crit and D_l), at a
    Ludlow et al. 2016 concentration (c_200 between 3 and 10 for 1e12–1e15 M☉ at z = 0.3, their Fig. 2)."""
    import astropy.units as u
    from astropy.constants import G, c
    from astropy.cosmology import FlatLambdaCDM
    from scipy.optimize import brentq

    cosmo = Cosmology()
    astro = FlatLambdaCDM(H0=cosmo.H0, Om0=cosmo.Om0, Tcmb0=cosmo.Tcmb0 * u.K, Neff=cosmo.Neff)
    rho_crit = astro.critical_density(Z_HALO).to_value(u.Msun / u.kpc**3)
    d_l = astro.angular_diameter_distance(Z_HALO).to_value(u.kpc)
    sigma_cr = (c**2 / (4 * np.pi * G)).to_value(u.Msun / u.kpc) / d_l
    for m200, kappa_s, r_s in zip(M200, KAPPA_S, R_S, strict=True):
        rs_kpc = r_s * d_l * np.pi / 648000.0
        rho_s = kappa_s * sigma_cr / rs_kpc

        def mass_within(r, rho_s=rho_s, rs_kpc=rs_kpc):
            t = r / rs_kpc
            return 4 * np.pi * rho_s * rs_kpc**3 * (np.log1p(t) - t / (1 + t))

        r200 = brentq(lambda r: mass_within(r) / (4 / 3 * np.pi * r**3) - 200 * rho_crit, 1.0, 1e5, xtol=1e-12)
        # 1e-4: our Σ_cr takes PyAutoLens's M☉ = 1.98847e30 kg (astropy's is 1.98841e30: 3.0e-5) and ρ_crit
        # G = 4.30091e-6 kpc km²/s²/M☉ (astropy's 4.300917e-6: 1.7e-6); measured 4.05e-5
        assert mass_within(r200) == pytest.approx(m200, rel=1e-4)
        assert 3 < r200 / rs_kpc < 10, (m200, r200 / rs_kpc)
