"""physics/critical: the critical curve of a singular isothermal sphere is the Einstein circle, and its
caustic the point behind the lens (Schneider, Ehlers & Falco 1992, §8.1.4)."""

import jax.numpy as jnp
import numpy as np

from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.critical import (
    critical_curves,
    critical_curves_of_planes,
    single_plane_scales,
)
from clusterfit.physics.tracer import Group, TracerLayout, make_tracer, tracer_factors

COSMO = Cosmology(67.66, 0.30966)
THETA_E, CY, CX = 3.0, 0.4, -0.7


def _sis(source_redshifts=(2.0,)):
    layout = TracerLayout((Group.of("IsothermalSph", 0.3),), source_redshifts)
    tracer = make_tracer(layout, tracer_factors(layout, COSMO))
    params = [{"y": jnp.array([CY]), "x": jnp.array([CX]), "einstein_radius": jnp.array([THETA_E])}]
    return tracer, params


def test_sis_critical_curve_is_the_einstein_circle():
    tracer, params = _sis()
    ticks = np.arange(-6.0, 6.0 + 1e-9, 0.25)
    cc = critical_curves(tracer, params, tracer.layout.reference_plane, ticks, ticks, 0.25)
    pts = cc.points[np.isfinite(cc.points).all(1)]
    assert len(pts) > 50 and len(cc.curves) == 1
    np.testing.assert_allclose(np.hypot(pts[:, 0] - CY, pts[:, 1] - CX), THETA_E, atol=1e-6)
    caustic = np.concatenate(cc.caustics)
    caustic = caustic[np.isfinite(caustic).all(1)]
    np.testing.assert_allclose(caustic, np.broadcast_to([CY, CX], caustic.shape), atol=1e-6)


def test_nearer_source_plane_has_the_scaled_circle():
    """θ_E(z) = θ_E · (D_ls/D_s)(z) / (D_ls/D_s)(z_ref) for the reference-normalised sphere; one grid
    serves both planes."""
    tracer, params = _sis((1.0, 3.0))
    near, far = tracer.layout.plane_index(1.0), tracer.layout.plane_index(3.0)
    d = COSMO.distance_ratio_matrix([0.3, 1.0, 3.0])
    expected = THETA_E * d[0, 1] / d[0, 2]
    np.testing.assert_allclose(single_plane_scales(tracer, [near, far]), [d[0, 1] / d[0, 2], 1.0], rtol=1e-10)
    ticks = np.arange(-6.0, 6.0 + 1e-9, 0.25)
    for cc, radius in zip(critical_curves_of_planes(tracer, params, [near, far], ticks, ticks, 0.25),
                          (expected, THETA_E), strict=True):
        pts = cc.points[np.isfinite(cc.points).all(1)]
        np.testing.assert_allclose(np.hypot(pts[:, 0] - CY, pts[:, 1] - CX), radius, atol=1e-6)
