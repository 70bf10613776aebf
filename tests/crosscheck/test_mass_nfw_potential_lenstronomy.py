"""``NFWEllipticalPotential`` (Lenstool profil 12) vs lenstronomy's ``NFW_ELLIPSE_POTENTIAL``, to 1e-6.

Conversion (ours → lenstronomy): lenstronomy maps (x', y') to (√(1 − e) x', √(1 + e) y') with
e = (1 − q²)/(1 + q²) and q = (1 − |(e1, e2)|)/(1 + |(e1, e2)|) (``param_util.q2e``,
``transform_e1e2_square_average``), which is Lenstool's u² = (1 − ε) x'² + (1 + ε) y'² for e = ε: so
q = √((1 − ε)/(1 + ε)), (e1, e2) = ((1 − q)/(1 + q)) (cos 2φ, sin 2φ) with φ = ``angle_pos``;
``Rs = scale_radius``, ``alpha_Rs = 4 κ_s r_s (1 + ln ½)`` (as ``NFWSph`` → ``NFW``).

Compared: deflections and potential (up to a constant) with lenstronomy's; the convergence and the
Hessian with Lenstool's exact second derivatives of this potential (``e_grad2.c`` case 12, ``e_nfw.c``
``nfw_kappa_eps``/``nfw_gamma_eps``: κ = κ_c + ε γ_c cos 2θ, ...) evaluated with lenstronomy's
*spherical* NFW (``density_2d`` for κ_c, ``nfw_alpha``/r for the mean convergence). lenstronomy's own
``NFW_ELLIPSE_POTENTIAL.hessian`` (hence ``kappa``) is a one-sided finite difference of its deflections
with step 1e-10 (its source), measured here up to 36 % off near the centre: not a reference.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.functions import PROFILE_FUNCTIONS

pytestmark = [pytest.mark.crosscheck, pytest.mark.slow]

RTOL, ATOL = 1e-6, 1e-9


def _close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    err = np.abs(a - b)
    assert np.all(err <= RTOL * np.abs(b) + ATOL), float(np.max(err / (np.abs(b) + ATOL / RTOL)))


def _case(seed):
    rng = np.random.default_rng(40 + seed)
    eps, rs = [(0.05, 0.5), (0.2, 5.0), (0.5, 60.0)][seed]
    centre, ks, angle = rng.uniform(-2, 2, 2), 10 ** rng.uniform(-2, 0), rng.uniform(-180, 180)
    q = np.sqrt((1 - eps) / (1 + eps))
    f, phi = (1 - q) / (1 + q), np.deg2rad(angle)
    kwargs = dict(Rs=rs, alpha_Rs=4 * ks * rs * (1 + np.log(0.5)), e1=f * np.cos(2 * phi),
                  e2=f * np.sin(2 * phi), center_x=centre[1], center_y=centre[0])
    params = dict(y=centre[0], x=centre[1], ellipticity=eps, angle_pos=angle, kappa_s=ks, scale_radius=rs)
    far = rng.uniform(-3 * rs, 3 * rs, (300, 2)) + centre
    r, t = rs * 10 ** rng.uniform(-4, -2, 20), rng.uniform(0, 2 * np.pi, 20)
    pts = np.vstack([far, np.stack([r * np.sin(t), r * np.cos(t)], 1) + centre])
    return params, kwargs, pts


def _ours(params, pts):
    p = {k: jnp.array([float(v)]) for k, v in params.items()}
    f = PROFILE_FUNCTIONS["NFWEllipticalPotential"]
    return {k: fn(p, pts[:, 0], pts[:, 1]) for k, fn in f.items()}


@pytest.mark.parametrize("seed", range(3))
def test_deflections_and_potential_vs_nfw_ellipse_potential(lenstronomy_lens_model, seed):
    params, kwargs, pts = _case(seed)
    model = lenstronomy_lens_model(["NFW_ELLIPSE_POTENTIAL"])
    ours = _ours(params, pts)
    fx, fy = model.alpha(pts[:, 1], pts[:, 0], [kwargs])
    _close(ours["deflections_yx"].x, fx)
    _close(ours["deflections_yx"].y, fy)
    pot, their = np.asarray(ours["potential"]), model.potential(pts[:, 1], pts[:, 0], [kwargs])
    _close(pot - pot[0], their - their[0])


@pytest.mark.parametrize("seed", range(3))
def test_convergence_and_hessian_vs_lenstool_formula_on_lenstronomy_nfw(lenstronomy_lens_model, seed):
    from lenstronomy.LensModel.Profiles.nfw import NFW

    params, kwargs, pts = _case(seed)
    eps, rs, phi = params["ellipticity"], params["scale_radius"], np.deg2rad(params["angle_pos"])
    dy, dx = pts[:, 0] - params["y"], pts[:, 1] - params["x"]
    xp, yp = dx * np.cos(phi) + dy * np.sin(phi), dy * np.cos(phi) - dx * np.sin(phi)
    qx, qy = np.sqrt(1 - eps) * xp, np.sqrt(1 + eps) * yp  # Lenstool's Qe (e_grad2.c case 12)
    u = np.hypot(qx, qy)
    nfw = NFW()
    rho0 = nfw.alpha2rho0(kwargs["alpha_Rs"], rs)
    kc = nfw.density_2d(u, 0.0, rs, rho0)
    ax, _ = nfw.nfw_alpha(u, rs, rho0, u, 0.0)
    gc = ax / u - kc  # mean convergence inside u minus κ
    c2, s2 = (qx * qx - qy * qy) / u**2, 2 * qx * qy / u**2
    kappa = kc + eps * gc * c2  # nfw_kappa_eps
    g1, g2 = gc * c2 + eps * kc, -np.sqrt(1 - eps * eps) * gc * s2  # nfw_gamma_eps
    hxx, hyy, hxy = kappa - g1, kappa + g1, g2  # e_grad2.c: a = κ − γ1, c = κ + γ1, b = γ2
    c, s = np.cos(phi), np.sin(phi)
    ours = _ours(params, pts)
    _close(ours["convergence"], kappa)
    h = ours["hessian"]
    _close(h.xx, c * c * hxx - 2 * c * s * hxy + s * s * hyy)
    _close(h.yy, s * s * hxx + 2 * c * s * hxy + c * c * hyy)
    _close(h.yx, c * s * (hxx - hyy) + (c * c - s * s) * hxy)
