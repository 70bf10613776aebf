"""Image solver: SIS/SIE analytic images, odd multiplicity of non-singular lenses, brute force,
multi-plane, batching and the magnification threshold."""

import time

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.physics.cosmology import Cosmology
from clusterfit.physics.solver import make_image_solver
from clusterfit.physics.tracer import Group, TracerLayout, make_tracer, tracer_factors
from clusterfit.physics.types import Deflections

COSMO = Cosmology(67.66, 0.30966)


def _a(*v):
    return jnp.asarray(np.asarray(v, dtype=float))


def sie_deflections(params, y, x):
    """Axis-aligned singular isothermal ellipsoid, major axis on x (Keeton 2001, eqs. 33–34 with s = 0)."""
    b, q = params["b"][:, None], params["q"][:, None]
    yy, xx = y[None, :], x[None, :]
    psi = jnp.sqrt(q**2 * xx**2 + yy**2)
    e = jnp.sqrt(1 - q**2)
    ax = b * q / e * jnp.arctan(e * xx / psi)
    ay = b * q / e * jnp.arctanh(e * yy / psi)
    return Deflections(jnp.sum(ay, 0), jnp.sum(ax, 0))


TOY = {"SIE": {"deflections_yx": sie_deflections}}


def single_plane(groups, z_source=2.0, functions=None):
    layout = TracerLayout(groups, (z_source,))
    return make_tracer(layout, tracer_factors(layout, COSMO), functions)


def test_sis_images_and_magnifications():
    tracer = single_plane((Group.of("IsothermalSph", 0.4),))
    params = [dict(y=_a(0.0), x=_a(0.0), einstein_radius=_a(1.5))]
    solver = make_image_solver(tracer)
    (im,) = solver.solve(params, 0.3, 0.4, 1)
    beta = 0.5
    assert len(im.y) == 2
    order = np.argsort(-im.magnification)
    r = np.hypot(im.y, im.x)[order]
    np.testing.assert_allclose(r, [beta + 1.5, 1.5 - beta], atol=1e-8)
    np.testing.assert_allclose(im.y[order] * np.sign([1, -1]) / r, 0.6, atol=1e-8)  # along ±β̂
    np.testing.assert_allclose(im.magnification[order], [(beta + 1.5) / beta, -(1.5 - beta) / beta], rtol=1e-7)
    assert list(im.parity[order]) == [1, -1]
    assert np.all(im.residual < 1e-8)
    (outside,) = solver.solve(params, 2.0, 0.1, 1)  # |β| > b: one image
    assert len(outside.y) == 1


def test_sie_einstein_cross():
    """Source at the centre of an SIE: four images on the axes at
    x = b q/e atan(e/q) and y = b q/e atanh(e), e = √(1 − q²) (Keeton 2001)."""
    tracer = single_plane((Group("SIE", 0.4, "reference"),), functions=TOY)
    b, q = 1.2, 0.6
    e = np.sqrt(1 - q**2)
    (im,) = make_image_solver(tracer).solve([dict(b=_a(b), q=_a(q))], 0.0, 0.0, 1)
    assert len(im.y) == 4
    xs, ys = b * q / e * np.arctan(e / q), b * q / e * np.arctanh(e)
    expected = {(0.0, xs), (0.0, -xs), (ys, 0.0), (-ys, 0.0)}
    for ey, ex in expected:
        assert np.min(np.hypot(im.y - ey, im.x - ex)) < 1e-8
    # off-centre source inside the astroid: still 4 images; outside: 2
    (inner,) = make_image_solver(tracer).solve([dict(b=_a(b), q=_a(q))], 0.05, 0.08, 1)
    assert len(inner.y) == 4 and sorted(inner.parity) == [-1, -1, 1, 1]


def cluster():
    """A single-plane cluster: cored elliptical dPIE BCG, NFW halo, three members, external shear."""
    groups = (Group.of("dPIEMass", 0.3), Group.of("NFWSph", 0.3), Group.of("dPIEMassSph", 0.3),
              Group.of("ExternalShear", 0.3))
    params = [
        dict(y=_a(0.3), x=_a(-0.2), ellipticity=_a(0.25), angle_pos=_a(35.0), sigma=_a(700.0),
             r_core=_a(1.5), r_cut=_a(150.0)),
        dict(y=_a(-0.5), x=_a(0.4), kappa_s=_a(0.12), scale_radius=_a(30.0)),
        dict(y=_a(6.0, -9.0, 12.0), x=_a(-8.0, 4.5, 10.0), sigma=_a(180.0, 150.0, 120.0),
             r_core=_a(0.08, 0.05, 0.04), r_cut=_a(12.0, 9.0, 6.0)),
        dict(gamma_1=_a(0.03), gamma_2=_a(-0.02)),
    ]
    return single_plane(groups), params


@pytest.fixture(scope="module")
def cluster_solver():
    tracer, params = cluster()
    return make_image_solver(tracer), params


def test_non_singular_lens_odd_multiplicity(cluster_solver):
    """Cored lens: image count odd and n(+) − n(−) = 1 (Burke 1981; index theorem, Keeton 2001) for
    sources away from caustics."""
    solver, params = cluster_solver
    rng = np.random.default_rng(11)
    sy, sx = rng.uniform(-4, 4, 60), rng.uniform(-4, 4, 60)
    images = solver.solve(params, sy, sx, 1)
    counts = [len(im.y) for im in images]
    checked = 0
    for im in images:
        if np.max(np.abs(im.magnification)) > 200:  # too close to a caustic to be a fair test
            continue
        checked += 1
        assert len(im.y) % 2 == 1, im
        assert int(np.sum(im.parity)) == 1, im
    assert checked > 40
    assert max(counts) >= 5  # some sources inside the tangential caustic
    # the central demagnified image of multiply imaged sources lies in the BCG core
    multi = [im for im in images if len(im.y) >= 3]
    assert all(np.min(np.hypot(im.y - 0.0, im.x - 0.0)) < 3.0 for im in multi)


def _brute_force(solver, params, sy, sx, plane, half, step):
    """Dense grid: every local minimum of |β(θ) − β| over a fine grid, polished by Newton."""
    n = int(2 * half / step) + 1
    t = np.linspace(-half, half, n)
    gy, gx = np.meshgrid(t, t, indexing="ij")
    by, bx = solver._map(params, gy.ravel(), gx.ravel(), plane)
    by, bx = by.reshape(n, n), bx.reshape(n, n)
    found = []
    for k in range(len(sy)):
        r = np.hypot(by - sy[k], bx - sx[k])
        inner = r[1:-1, 1:-1]
        is_min = np.ones_like(inner, dtype=bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy or dx:
                    is_min &= inner <= r[1 + dy:n - 1 + dy, 1 + dx:n - 1 + dx]
        iy, ix = np.nonzero(is_min)
        y, x, res, _ = solver.polish(params, gy[1:-1, 1:-1][iy, ix], gx[1:-1, 1:-1][iy, ix],
                                     np.full(len(iy), sy[k]), np.full(len(iy), sx[k]), plane)
        found.append((y[res < 1e-8], x[res < 1e-8]))
    return found


@pytest.mark.slow
def test_brute_force_100_sources(cluster_solver):
    solver, params = cluster_solver
    rng = np.random.default_rng(5)
    sy, sx = rng.uniform(-5, 5, 100), rng.uniform(-5, 5, 100)
    t0 = time.perf_counter()
    images = solver.solve(params, sy, sx, 1)
    elapsed = time.perf_counter() - t0
    brute = _brute_force(solver, params, sy, sx, 1, 40.0, 0.07)
    missed = 0
    for im, (y, x) in zip(images, brute, strict=True):
        for yy, xx in zip(y, x, strict=True):
            if np.min(np.hypot(im.y - yy, im.x - xx), initial=np.inf) > 1e-6:
                missed += 1
        assert np.all(im.residual < 1e-8)
    assert missed == 0
    print(f"solver: 100 sources in {elapsed:.2f} s; images {sum(len(i.y) for i in images)}")


def test_batch_equals_single_and_threshold(cluster_solver):
    solver, params = cluster_solver
    sy, sx = np.array([0.5, -1.0, 3.0]), np.array([0.2, 1.5, -2.0])
    batch = solver.solve(params, sy, sx, 1)
    for k in range(3):
        (one,) = solver.solve(params, sy[k], sx[k], 1)
        assert len(one.y) == len(batch[k].y)
        for y, x in zip(one.y, one.x, strict=True):
            assert np.min(np.hypot(batch[k].y - y, batch[k].x - x)) < 1e-8
    strict = solver.with_config(magnification_threshold=0.1).solve(params, sy, sx, 1)
    for full, cut in zip(batch, strict, strict=True):
        assert len(cut.y) == int(np.sum(np.abs(full.magnification) >= 0.1))


@pytest.mark.slow
def test_multiplane_images_satisfy_lens_equation():
    groups = (Group.of("dPIEMass", 0.3), Group.of("IsothermalSph", 0.7))
    layout = TracerLayout(groups, (1.5, 3.0))
    tracer = make_tracer(layout, tracer_factors(layout, COSMO))
    params = [dict(y=_a(0.0), x=_a(0.0), ellipticity=_a(0.2), angle_pos=_a(20.0), sigma=_a(600.0),
                   r_core=_a(1.0), r_cut=_a(100.0)),
              dict(y=_a(8.0), x=_a(-6.0), einstein_radius=_a(1.5))]
    solver = make_image_solver(tracer)
    for z in (1.5, 3.0):
        plane = layout.plane_index(z)
        sy, sx = np.array([0.5, -1.5]), np.array([0.3, 1.0])
        images = solver.solve(params, sy, sx, plane)
        brute = _brute_force(solver, params, sy, sx, plane, 40.0, 0.08)
        for k, (im, (y, x)) in enumerate(zip(images, brute, strict=True)):
            by, bx = tracer.ray_trace(params, jnp.asarray(im.y), jnp.asarray(im.x), plane)
            assert np.all(np.hypot(np.asarray(by) - sy[k], np.asarray(bx) - sx[k]) < 1e-8)
            assert np.all(im.residual < 1e-8)
            for yy, xx in zip(y, x, strict=True):
                assert np.min(np.hypot(im.y - yy, im.x - xx)) < 1e-6
