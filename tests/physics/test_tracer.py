"""Tracer: single-plane analytic SIS, distance-factor bookkeeping, multi-plane consistency, Jacobian,
magnification, arrival times, jit/vmap. Uses toy SIS functions so that it does not depend on the mass
profiles; :mod:`tests.crosscheck.test_tracer_autolens` checks the real profiles against PyAutoLens."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.tracer import (
    Group,
    TracerFactors,
    TracerLayout,
    make_tracer,
    tracer_factors,
)
from clusterfit.physics.types import Deflections

COSMO = Cosmology(H0=67.66, Om0=0.30966)


def sis_deflections(params, y, x):
    """Σ_n b_n (θ − c_n)/|θ − c_n| (arcsec); columns y, x, einstein_radius."""
    dy = y[None, :] - params["y"][:, None]
    dx = x[None, :] - params["x"][:, None]
    r = jnp.sqrt(dy**2 + dx**2)
    b = params["einstein_radius"][:, None]
    return Deflections(jnp.sum(b * dy / r, axis=0), jnp.sum(b * dx / r, axis=0))


def sis_potential(params, y, x):
    r = jnp.hypot(y[None, :] - params["y"][:, None], x[None, :] - params["x"][:, None])
    return jnp.sum(params["einstein_radius"][:, None] * r, axis=0)


TOY = {
    "SIS": {"deflections_yx": sis_deflections, "potential": sis_potential},
}


def sis(y, x, b):
    return {"y": jnp.atleast_1d(jnp.asarray(y, float)), "x": jnp.atleast_1d(jnp.asarray(x, float)),
            "einstein_radius": jnp.atleast_1d(jnp.asarray(b, float))}


def test_layout_planes_and_errors():
    lay = TracerLayout((Group("SIS", 0.5, "reference"), Group("SIS", 0.3, "physical")), (2.0, 1.0, 2.0))
    assert lay.plane_redshifts == (0.3, 0.5, 1.0, 2.0)
    assert lay.lens_planes == (0, 1)
    assert lay.reference_plane == 3
    assert lay.plane_index(1.0) == 2
    with pytest.raises(ValueError, match="no plane"):
        lay.plane_index(1.5)
    with pytest.raises(ValueError):
        TracerLayout(())
    with pytest.raises(ValueError):
        make_tracer(lay, TracerFactors(np.zeros((2, 2)), np.ones(2)), TOY)


def test_default_kind_from_registry():
    assert Group.of("dPIEMass", 0.3).kind == "physical"
    assert Group.of("NFWMCRLudlowSph", 0.3).kind == "physical"
    assert Group.of("Isothermal", 0.3).kind == "reference"
    assert Group.of("ExternalShear", 0.3).kind == "reference"


def test_single_plane_sis_analytic():
    lay = TracerLayout((Group("SIS", 0.4, "reference"),), (1.5,))
    tr = make_tracer(lay, tracer_factors(lay, COSMO), TOY)
    y = jnp.array([0.3, -2.0, 1.0])
    x = jnp.array([1.2, 0.5, -1.0])
    by, bx = tr.ray_trace([sis(0.1, -0.2, 1.5)], y, x, 1)
    dy, dx = y - 0.1, x + 0.2
    r = np.hypot(dy, dx)
    np.testing.assert_allclose(by, y - 1.5 * dy / r, atol=1e-14)
    np.testing.assert_allclose(bx, x - 1.5 * dx / r, atol=1e-14)
    # SIS magnification: μ = 1/(1 − b/r)
    np.testing.assert_allclose(tr.magnification([sis(0.1, -0.2, 1.5)], y, x, 1), 1 / (1 - 1.5 / r), rtol=1e-12)
    # tracing to the lens plane itself is the identity
    ly, lx = tr.ray_trace([sis(0.1, -0.2, 1.5)], y, x, 0)
    np.testing.assert_array_equal(ly, y)


def test_physical_and_reference_normalisations():
    """A reference-plane SIS (b_ref) equals a physical one with b = b_ref / (D_lr/D_r) on every plane."""
    zl, zs = 0.4, (1.0, 3.0)
    lay_ref = TracerLayout((Group("SIS", zl, "reference"),), zs)
    lay_phy = TracerLayout((Group("SIS", zl, "physical"),), zs)
    fac = tracer_factors(lay_ref, COSMO)
    d_lr = fac.ratio[0, 2]
    y, x = jnp.array([0.7, -1.9]), jnp.array([1.1, 0.2])
    ref = make_tracer(lay_ref, fac, TOY)
    phy = make_tracer(lay_phy, fac, TOY)
    for plane in (1, 2):
        a = ref.ray_trace([sis(0, 0, 2.0)], y, x, plane)
        b = phy.ray_trace([sis(0, 0, 2.0 / d_lr)], y, x, plane)
        np.testing.assert_allclose(a, b, atol=1e-13)
    # at the first source the deflection is scaled by (D_l1/D_1)/(D_lr/D_r)
    by, bx = ref.ray_trace([sis(0, 0, 2.0)], y, x, 1)
    scale = fac.ratio[0, 1] / d_lr
    r = np.hypot(y, x)
    np.testing.assert_allclose(by, y - scale * 2.0 * y / r, atol=1e-13)


def _multiplane():
    groups = (Group("SIS", 0.3, "physical"), Group("SIS", 0.6, "reference"),
              Group("SIS", 0.3, "reference"), Group("SIS", 1.2, "physical"))
    lay = TracerLayout(groups, (0.9, 2.0, 3.5))
    params = [sis([0.0, 3.0], [0.0, -2.0], [6.0, 1.0]), sis(-1.0, 2.0, 1.5), sis(0.5, 0.5, 0.7), sis(1.0, 1.0, 2.0)]
    return lay, tracer_factors(lay, COSMO), params


def test_multiplane_recursion_by_hand():
    lay, fac, params = _multiplane()
    tr = make_tracer(lay, fac, TOY)
    y, x = jnp.array([10.3, -7.0, 4.0]), jnp.array([2.1, 9.0, -12.0])
    R = fac.ratio
    r = lay.reference_plane
    planes = lay.plane_redshifts  # 0.3, 0.6, 0.9, 1.2, 2.0, 3.5
    norm = {0: 1.0, 1: R[1, r], 2: R[0, r], 3: 1.0}  # physical: 1; reference: D_ir/D_r
    gp = [lay.group_plane(k) for k in range(4)]
    for j in range(len(planes)):
        ty, tx = {}, {}
        for i in range(j):
            if i not in lay.lens_planes:
                continue
            ty[i], tx[i] = y, x
            for k in range(4):
                if gp[k] < i:
                    a = sis_deflections(params[k], ty[gp[k]], tx[gp[k]])
                    ty[i] = ty[i] - R[gp[k], i] / norm[k] * a.y
                    tx[i] = tx[i] - R[gp[k], i] / norm[k] * a.x
        by, bx = y, x
        for k in range(4):
            if gp[k] < j:
                a = sis_deflections(params[k], ty[gp[k]], tx[gp[k]])
                by, bx = by - R[gp[k], j] / norm[k] * a.y, bx - R[gp[k], j] / norm[k] * a.x
        oy, ox = tr.ray_trace(params, y, x, j)
        np.testing.assert_allclose(oy, by, atol=1e-12)
        np.testing.assert_allclose(ox, bx, atol=1e-12)
        # traced plane index gives the same result
        ty_, tx_ = jax.jit(tr.ray_trace)(params, y, x, jnp.int32(j))
        np.testing.assert_allclose(ty_, by, atol=1e-12)


def test_magnification_vs_finite_differences():
    lay, fac, params = _multiplane()
    tr = make_tracer(lay, fac, TOY)
    rng = np.random.default_rng(1)
    y, x = (jnp.asarray(rng.uniform(-20, 20, 50)) for _ in range(2))
    h = 1e-5
    for plane in (2, 4, 5):
        jac = tr.jacobian(params, y, x, plane)
        fy_p = tr.ray_trace(params, y + h, x, plane)
        fy_m = tr.ray_trace(params, y - h, x, plane)
        fx_p = tr.ray_trace(params, y, x + h, plane)
        fx_m = tr.ray_trace(params, y, x - h, plane)
        a_yy = (fy_p[0] - fy_m[0]) / (2 * h)
        a_xy = (fy_p[1] - fy_m[1]) / (2 * h)
        a_yx = (fx_p[0] - fx_m[0]) / (2 * h)
        a_xx = (fx_p[1] - fx_m[1]) / (2 * h)
        for ours, fd in ((jac.yy, a_yy), (jac.yx, a_yx), (jac.xy, a_xy), (jac.xx, a_xx)):
            np.testing.assert_allclose(ours, fd, atol=1e-7)
        det = a_yy * a_xx - a_yx * a_xy
        mu = tr.magnification(params, y, x, plane)
        ok = np.abs(det) > 0.05  # away from critical curves
        assert ok.sum() > 30
        np.testing.assert_allclose(np.asarray(mu)[ok], 1 / np.asarray(det)[ok], rtol=1e-5)


def test_vmap_over_parameter_batches_and_single_trace():
    lay, fac, params = _multiplane()
    tr = make_tracer(lay, fac, TOY)
    y, x = jnp.array([10.3, -7.0]), jnp.array([2.1, 9.0])
    batch = jax.tree.map(lambda v: jnp.stack([v, 1.1 * v, 0.9 * v]), params)
    traces = []

    def f(p):
        traces.append(1)
        return tr.ray_trace(p, y, x, 5)

    jf = jax.jit(jax.vmap(f))
    out = jf(batch)
    jf(jax.tree.map(lambda v: v + 0.01, batch))
    for i in range(3):
        one = tr.ray_trace(jax.tree.map(lambda v, i=i: v[i], batch), y, x, 5)
        np.testing.assert_allclose(out[0][i], one[0], atol=1e-12)
    assert len(traces) == 1
    # vmap over sources on different planes (traced plane index)
    planes = jnp.array([2, 4, 5])
    b = jax.vmap(lambda p: tr.ray_trace(params, y, x, p))(planes)
    for n, p in enumerate((2, 4, 5)):
        np.testing.assert_allclose(b[0][n], tr.ray_trace(params, y, x, p)[0], atol=1e-12)


def test_sis_time_delay_analytic():
    """SIS: images at β ± b on a line, Δt = D_Δt/c · 2 b β (e.g. Schneider, Ehlers & Falco 1992)."""
    zl, zs = 0.5, 2.0
    lay = TracerLayout((Group("SIS", zl, "reference"),), (zs,))
    fac = tracer_factors(lay, COSMO)
    tr = make_tracer(lay, fac, TOY)
    b, beta = 1.3, 0.4
    y = jnp.array([beta + b, beta - b])
    x = jnp.zeros(2)
    by, _ = tr.ray_trace([sis(0, 0, b)], y, x, 1)
    np.testing.assert_allclose(by, beta, atol=1e-14)
    t = tr.arrival_time([sis(0, 0, b)], y, x, 1, jnp.full(2, beta), jnp.zeros(2))
    d_l = COSMO.astropy.angular_diameter_distance(zl)
    d_s = COSMO.astropy.angular_diameter_distance(zs)
    d_ls = COSMO.astropy.angular_diameter_distance(zl, zs)
    import astropy.units as u
    from astropy.constants import c

    d_dt = (1 + zl) * d_l * d_s / d_ls
    expected = (d_dt / c * 2 * b * beta * u.arcsec.to(u.rad) ** 2).to_value(u.day)
    np.testing.assert_allclose(float(t[1] - t[0]), expected, rtol=1e-10)


def test_multiplane_arrival_time_is_stationary_at_images():
    """Fermat's principle: ∇_θ T = 0 exactly where β(θ) = β (Blandford & Narayan 1986)."""
    lay, fac, params = _multiplane()
    tr = make_tracer(lay, fac, TOY)
    plane = 5
    theta = jnp.array([[10.3, 2.1], [-7.0, 9.0], [4.0, -12.0]])
    bys, bxs = tr.ray_trace(params, theta[:, 0], theta[:, 1], plane)

    def t_of(th, by, bx):
        return tr.arrival_time(params, th[:1], th[1:], plane, by[None], bx[None])[0]

    grad = jax.vmap(jax.grad(t_of))(theta, bys, bxs)
    scale = jax.grad(t_of)(theta[0] + jnp.array([0.05, 0.0]), bys[0], bxs[0])
    assert np.max(np.abs(grad)) < 1e-9 * np.max(np.abs(scale))
    # and not stationary for a different source position
    off = jax.vmap(jax.grad(t_of))(theta, bys + 0.1, bxs)
    assert np.min(np.abs(off)) > 0 and np.max(np.abs(off)) > 1e-3 * np.max(np.abs(scale))
    # a traced plane index gives the same arrival time
    t_static = tr.arrival_time(params, theta[:, 0], theta[:, 1], 4, bys, bxs)
    t_traced = jax.jit(tr.arrival_time)(params, theta[:, 0], theta[:, 1], jnp.int32(4), bys, bxs)
    np.testing.assert_allclose(t_static, t_traced, rtol=1e-12)


def _free_z_case(groups, source_z, table_z, z_s):
    """(free-z trace at z_s from the table plane, fixed-z trace at z_s) for SIS groups."""
    from clusterfit.physics.cosmology import distance_table

    table = distance_table(COSMO)
    lay = TracerLayout(groups, (table_z, *source_z))
    tr = make_tracer(lay, tracer_factors(lay, COSMO), TOY, distances=table)
    lay_z = TracerLayout(groups, (z_s, *source_z))
    tr_z = make_tracer(lay_z, tracer_factors(lay_z, COSMO), TOY)
    params = [sis(0.3 * k, -0.5 * k, 1.2 + 0.4 * k) for k in range(len(groups))]
    y, x = jnp.linspace(-3.0, 4.0, 9), jnp.linspace(2.5, -1.5, 9)
    j, jz = lay.plane_index(table_z), lay_z.plane_index(z_s)
    free = jax.jit(tr.ray_trace, static_argnums=3)(params, y, x, j, jnp.full(9, z_s))
    fixed = tr_z.ray_trace(params, y, x, jz)
    return (free, tr.jacobian(params, y, x, j, z_s).det), (fixed, tr_z.jacobian(params, y, x, jz).det)


@pytest.mark.parametrize("groups, others", [
    ((Group("SIS", 0.3, "physical"),), ()),
    ((Group("SIS", 0.3, "physical"), Group("SIS", 0.3, "reference")), (4.5,)),  # reference plane 4.5
    ((Group("SIS", 0.3, "physical"), Group("SIS", 0.6, "reference"), Group("SIS", 0.9, "physical")),
     (1.2, 5.0)),  # three lens planes
])
def test_free_source_redshift_matches_fixed_plane(groups, others):
    # at the table redshift: identical to the fixed tracer (the scale is exactly 1)
    (free, det), (fixed, det_fixed) = _free_z_case(groups, others, 2.0, 2.0)
    np.testing.assert_allclose(free, fixed, rtol=0, atol=1e-12)
    np.testing.assert_allclose(det, det_fixed, rtol=1e-12)
    # elsewhere: the tracer of a layout with the source at z_s (distance table ~1e-12 relative)
    at_table = np.asarray(free)
    for z_s in (1.3, 3.7):
        (free, det), (fixed, det_fixed) = _free_z_case(groups, others, 2.0, z_s)
        np.testing.assert_allclose(free, fixed, rtol=0, atol=1e-10)
        np.testing.assert_allclose(det, det_fixed, rtol=1e-9, atol=1e-10)
        assert np.max(np.abs(np.asarray(free) - at_table)) > 1e-2  # z_s matters


def test_z_source_needs_a_distance_table():
    lay = TracerLayout((Group("SIS", 0.3, "physical"),), (2.0,))
    tr = make_tracer(lay, tracer_factors(lay, COSMO), TOY)
    with pytest.raises(ValueError, match="DistanceTable"):
        tr.ray_trace([sis(0.0, 0.0, 1.0)], jnp.ones(2), jnp.ones(2), 1, 2.5)
