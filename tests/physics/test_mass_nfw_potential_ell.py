"""``NFWEllipticalPotential``: its round limit is ``NFWSph``, and ε only stretches the potential.

The peer comparisons (lenstronomy ``NFW_ELLIPSE_POTENTIAL``, Lenstool's ``e_grad2.c`` formulae) are in
tests/crosscheck/test_mass_nfw_potential_lenstronomy.py.
"""

import jax.numpy as jnp
import numpy as np

from clusterfit.physics.functions import profile_function


def _f(name, key, params, y, x):
    return profile_function(name, key)({k: jnp.array([v]) for k, v in params.items()}, y, x)


def test_round_limit_is_nfw_sph():
    rng = np.random.default_rng(1)
    y, x = rng.uniform(-20, 20, 200), rng.uniform(-20, 20, 200)
    sph = dict(y=0.3, x=-1.2, kappa_s=0.2, scale_radius=7.0)
    pot = dict(sph, ellipticity=0.0, angle_pos=33.0)
    for key in ("deflections_yx", "convergence", "potential", "hessian"):
        a = np.asarray(jnp.stack(_f("NFWEllipticalPotential", key, pot, y, x)) if key in ("deflections_yx", "hessian")
                       else _f("NFWEllipticalPotential", key, pot, y, x))
        b = np.asarray(jnp.stack(_f("NFWSph", key, sph, y, x)) if key in ("deflections_yx", "hessian")
                       else _f("NFWSph", key, sph, y, x))
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_potential_is_spherical_at_the_pseudo_elliptical_radius():
    """ψ(x', y') = ψ_NFWSph(√((1 − ε) x'² + (1 + ε) y'²)) along the axes (angle_pos 90: x' = y)."""
    eps, t = 0.3, np.linspace(0.1, 30, 50)
    pot = dict(y=0.0, x=0.0, ellipticity=eps, angle_pos=90.0, kappa_s=0.1, scale_radius=4.0)
    sph = dict(y=0.0, x=0.0, kappa_s=0.1, scale_radius=4.0)
    zero = np.zeros_like(t)
    along_major = _f("NFWEllipticalPotential", "potential", pot, t, zero)  # sky y = x'
    along_minor = _f("NFWEllipticalPotential", "potential", pot, zero, t)  # sky x = −y'
    np.testing.assert_allclose(along_major, _f("NFWSph", "potential", sph, np.sqrt(1 - eps) * t, zero), rtol=1e-13)
    np.testing.assert_allclose(along_minor, _f("NFWSph", "potential", sph, np.sqrt(1 + eps) * t, zero), rtol=1e-13)
