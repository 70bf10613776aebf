"""``NFW`` (elliptical) against the Heyrovský & Karamazov 2024 closed form in 50-digit arithmetic.

The closed form (A&A 690, A20, Eqs. 30–32) cancels near the centre of nearly round haloes; evaluated
with mpmath it is a reference independent of our float64 regrouping, over r/r_s from 1e-6 to 30 and
axis ratios down to 0.05 and up to 1 − 1e-12 (where ours switches to the spherical formula).
"""

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.functions import PROFILE_FUNCTIONS

mp = pytest.importorskip("mpmath")
mp.mp.dps = 50


def _capital_f(a):
    if a < 1:
        return mp.acosh(1 / a) / mp.sqrt(1 - a * a)
    if a > 1:
        return mp.acos(1 / a) / mp.sqrt(a * a - 1)
    return mp.mpf(1)


def _hk24(x1, x2, q):
    """(α_y', α_x') / (κ_s r_s) at (x2, x1) = (y', x')/r_s, HK24 Eqs. 30–32 with e² = 1 − q²."""
    x1, x2, q = mp.mpf(x1), mp.mpf(x2), mp.mpf(q)
    e2, r2 = 1 - q * q, x1 * x1 + x2 * x2
    e = mp.sqrt(e2)
    f1 = _capital_f(mp.sqrt(x1 * x1 + x2 * x2 / (q * q))) / q
    f2 = mp.log(mp.sqrt(r2) / (1 + q))
    f3 = mp.atan(x1 * x2 * (1 - q) / (x1 * x1 * q + x2 * x2))
    pref = 4 * q / (((x1 - e) ** 2 + x2**2) * ((x1 + e) ** 2 + x2**2))
    ax = pref * (x1 * ((x1 * x1 - e2) * (1 - e2) + x2 * x2 * (1 + e2)) * f1 + x1 * (r2 - e2) * f2
                 - x2 * (r2 + e2) * f3)
    ay = pref * (x2 * (x1 * x1 * (1 - 2 * e2) + x2 * x2 + e2) * f1 + x2 * (r2 + e2) * f2
                 + x1 * (r2 - e2) * f3)
    return float(ay), float(ax)


@pytest.mark.parametrize("q", [0.05, 0.3, 0.7, 0.999, 1 - 1e-6, 1 - 1e-8, 1 - 1e-9, 1 - 1e-12])
def test_deflections_match_closed_form_in_50_digits(q):
    rng = np.random.default_rng(int(-np.log10(1 - q + 1e-15) * 10))
    rs, ks = 2.5, 0.3
    r = rs * 10 ** rng.uniform(-6, 1.5, 60)
    phi = rng.uniform(0, 2 * np.pi, 60)
    x1, x2 = r * np.cos(phi) / rs, r * np.sin(phi) / rs  # profile frame: centre 0, major axis along x
    f = (1 - q) / (1 + q)
    p = dict(y=jnp.array([0.0]), x=jnp.array([0.0]), ell_comps_0=jnp.array([0.0]), ell_comps_1=jnp.array([f]),
             kappa_s=jnp.array([ks]), scale_radius=jnp.array([rs]))
    d = PROFILE_FUNCTIONS["NFW"]["deflections_yx"](p, x2 * rs, x1 * rs)
    q_exact = (1 - f) / (1 + f)
    ref = np.array([_hk24(a, b, q_exact) for a, b in zip(x1, x2, strict=True)]) * ks * rs
    err = np.hypot(np.asarray(d.y) - ref[:, 0], np.asarray(d.x) - ref[:, 1]) / np.hypot(ref[:, 0], ref[:, 1])
    assert np.max(err) < 2e-8, float(np.max(err))
