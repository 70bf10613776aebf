"""Light profiles: analytic special cases, registry attachment, jit/vmap behaviour."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.functions import PROFILE_FUNCTIONS
from clusterfit.physics.light import (
    gaussian_intensity,
    sersic_constant,
    sersic_core_intensity,
    sersic_intensity,
    sersic_sph_intensity,
)
from clusterfit.registry import get_spec, specs_for_family

Y = jnp.array([0.3, -1.2, 0.05, 2.0])
X = jnp.array([0.7, 0.4, -0.02, -1.5])


def _p(**kw):
    return {k: jnp.atleast_1d(jnp.asarray(v, dtype=float)) for k, v in kw.items()}


def test_every_light_class_has_intensity():
    for spec in specs_for_family("light"):
        assert "intensity" in PROFILE_FUNCTIONS[spec.name], spec.name


def test_sersic_at_effective_radius_equals_intensity():
    p = _p(y=0.1, x=-0.2, intensity=2.5, effective_radius=1.3, sersic_index=2.7)
    y = jnp.array([0.1 + 1.3])
    x = jnp.array([-0.2])
    np.testing.assert_allclose(sersic_sph_intensity(p, y, x), 2.5, rtol=1e-14)


def test_sersic_constant_encloses_half_light():
    """∫_0^Re I r dr = ½ ∫_0^∞ I r dr; the Ciotti & Bertin (1999) series is asymptotic, good for n ≥ 1."""
    from scipy.special import gammainc

    for n in (1.0, 2.0, 4.0, 6.0):
        assert abs(gammainc(2 * n, float(sersic_constant(n))) - 0.5) < 2e-5  # 1.3e-5 at n = 1


def test_elliptical_sersic_reduces_to_spherical():
    p = _p(y=0.1, x=-0.2, intensity=2.5, effective_radius=1.3, sersic_index=2.7)
    pe = dict(p, ell_comps_0=jnp.zeros(1), ell_comps_1=jnp.zeros(1))
    np.testing.assert_allclose(sersic_intensity(pe, Y, X), sersic_sph_intensity(p, Y, X), rtol=1e-14)


def test_ellipse_rotation_convention():
    """φ = 90° (e_x < 0) puts the major axis on y: (y=r, x=0) and (y=0, x=q r) have equal ξ."""
    q = 0.5
    f = (1 - q) / (1 + q)
    p = _p(y=0.0, x=0.0, ell_comps_0=0.0, ell_comps_1=-f, intensity=1.0, effective_radius=1.0, sersic_index=1.0)
    # major axis along y: a point at y = r has the same ξ as a point at x = q r
    on_y = sersic_intensity(p, jnp.array([1.0]), jnp.array([0.0]))
    on_x = sersic_intensity(p, jnp.array([0.0]), jnp.array([q]))
    np.testing.assert_allclose(on_y, on_x, rtol=1e-13)


def test_group_sum_equals_sum_of_singles():
    p = _p(y=[0.0, 0.5], x=[0.1, -0.3], ell_comps_0=[0.1, -0.2], ell_comps_1=[0.05, 0.3],
           intensity=[1.0, 0.3], effective_radius=[0.8, 1.5], sersic_index=[1.5, 3.0],
           radius_break=[0.02, 0.05], gamma=[0.25, 0.1], alpha=[3.0, 2.0], sigma=[0.5, 1.0])
    for fn in (sersic_intensity, sersic_core_intensity, gaussian_intensity):
        total = fn(p, Y, X)
        singles = sum(fn({k: v[i:i + 1] for k, v in p.items()}, Y, X) for i in range(2))
        np.testing.assert_allclose(total, singles, rtol=1e-13)


def test_sersic_core_approaches_sersic_far_out():
    """For ξ ≫ r_b the cored profile follows a Sérsic with the same b_n (Graham et al. 2003)."""
    p = _p(y=0.0, x=0.0, ell_comps_0=0.0, ell_comps_1=0.0, intensity=1.0, effective_radius=1.0,
           sersic_index=2.0, radius_break=1e-4, gamma=0.25, alpha=3.0)
    y = jnp.array([0.5, 1.0, 2.0])
    x = jnp.zeros(3)
    core = sersic_core_intensity(p, y, x)
    ratio = core / sersic_sph_intensity(dict(p, intensity=jnp.ones(1)), y, x)
    np.testing.assert_allclose(ratio / ratio[0], 1.0, rtol=1e-3)


def test_gaussian_centre_and_minor_axis():
    q = 0.6
    f = (1 - q) / (1 + q)
    p = _p(y=0.0, x=0.0, ell_comps_0=0.0, ell_comps_1=f, intensity=3.0, sigma=0.7)  # major axis on x
    np.testing.assert_allclose(gaussian_intensity(p, jnp.zeros(1), jnp.zeros(1)), 3.0)
    minor = gaussian_intensity(p, jnp.array([0.7]), jnp.array([0.0]))
    major = gaussian_intensity(p, jnp.array([0.0]), jnp.array([0.7 / q]))
    np.testing.assert_allclose(minor, 3.0 * np.exp(-0.5), rtol=1e-13)
    np.testing.assert_allclose(major, 3.0 * np.exp(-0.5), rtol=1e-13)


@pytest.mark.parametrize("name", ["Sersic", "SersicSph", "SersicCore", "Gaussian"])
def test_jit_equals_eager_and_vmaps(name):
    spec = get_spec(name)
    fn = PROFILE_FUNCTIONS[spec.name]["intensity"]
    p = {c: jnp.array([float(np.atleast_1d(spec.column_to_parameter()[c][0].default)[
        spec.column_to_parameter()[c][1] or 0])]) for c in spec.columns}
    p["y"] = p["y"] + 0.01  # keep points off the singular centre of SersicCore
    eager = fn(p, Y, X)
    np.testing.assert_allclose(jax.jit(fn)(p, Y, X), eager, rtol=1e-13)
    batch = {k: jnp.stack([v, v]) for k, v in p.items()}
    out = jax.vmap(fn, in_axes=(0, None, None))(batch, Y, X)
    np.testing.assert_allclose(out[1], eager, rtol=1e-13)
    assert np.all(np.isfinite(eager))
