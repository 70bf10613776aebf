"""Generic consistency tests over every registered mass class (lenstronomy-style contract tests).

For each class: ∇ψ = α (reverse mode), ∂α/∂θ = Hessian, κ = tr(H)/2, jit = eager, a group of n equals
the sum of n single-profile calls, and values and parameter gradients stay finite at the exact
centre and in the round limit (q → 1).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.functions import PROFILE_FUNCTIONS
from clusterfit.registry import specs_for_family

MASS = [s.name for s in specs_for_family("mass")]

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
    "PowerLaw": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], ell_comps_0=[0.1, -0.5, 0.0],
                     ell_comps_1=[0.2, 0.3, 1e-4], einstein_radius=[1.5, 0.7, 3.0], slope=[2.0, 1.6, 2.5]),
    "MassSheet": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], kappa=[0.05, -0.02, 0.1]),
    "NFWMCRLudlowSph": dict(y=[0.1, -1.0, 2.0], x=[0.2, 1.5, -0.5], mass_at_200=[1e14, 1e12, 1e13],
                            kappa_s=[0.1, 0.3, 0.05], scale_radius=[10.0, 1.0, 3.0]),
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
def test_jacobian_of_deflection_is_hessian(name):
    params, (y, x) = _params(name), _points(name, seed=1)
    defl = _fn(name, "deflections_yx")

    def one(yy, xx):
        j = jax.jacfwd(lambda p: jnp.stack(defl(params, p[0:1], p[1:2]))[:, 0])(jnp.stack([yy, xx]))
        return j[0, 0], j[0, 1], j[1, 0], j[1, 1]

    yy, yx, xy, xx = jax.vmap(one)(y, x)
    h = _fn(name, "hessian")(params, y, x)
    np.testing.assert_allclose(yx, xy, rtol=1e-7, atol=1e-12)  # curl-free
    for ours, ad in ((h.yy, yy), (h.yx, yx), (h.xx, xx)):
        np.testing.assert_allclose(ours, ad, rtol=1e-8, atol=1e-12)


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
