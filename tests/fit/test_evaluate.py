"""Lenstool's local image search (``source="lenstool"``) against lenstronomy's image solver."""

import numpy as np
import pytest
from lenstronomy.LensModel.lens_model import LensModel
from lenstronomy.LensModel.Solver.lens_equation_solver import LensEquationSolver

from clusterfit.fit.evaluate import dist_min, lenstool_source
from clusterfit.fit.lenstool_walk import lenstool_local_images

SIE = [{"theta_E": 1.2, "e1": 0.15, "e2": -0.05, "center_x": 0.0, "center_y": 0.0}]
SOURCE_X, SOURCE_Y = 0.08, 0.05


def _peer():
    """lenstronomy's SIE: the source-plane map (y, x order) and its four images of the source."""
    lens = LensModel(["SIE"])
    x, y = LensEquationSolver(lens).image_position_from_source(
        SOURCE_X, SOURCE_Y, SIE, min_distance=0.01, search_window=5, precision_limit=1e-12,
        num_iter_max=200)

    def to_source(yy, xx):
        bx, by = lens.ray_shooting(np.ravel(xx), np.ravel(yy), SIE)
        return by.reshape(np.shape(yy)), bx.reshape(np.shape(yy))

    def det_a(yy, xx):
        fxx, fxy, fyx, fyy = lens.hessian(xx, yy, SIE)
        return (1 - fxx) * (1 - fyy) - fxy * fyx

    return lens, np.asarray(y), np.asarray(x), to_source, det_a


def _search(obs_y, obs_x, source_y, source_x, to_source, det_a):
    ty, tx = to_source(obs_y[:, None], obs_x[:, None])
    n = len(obs_y)
    return lenstool_local_images(obs_y, obs_x, np.full(n, source_y), np.full(n, source_x), ty[:, 0],
                                 tx[:, 0], det_a(obs_y, obs_x), np.full(n, dist_min(obs_y, obs_x)),
                                 to_source)


def test_each_observed_image_reaches_the_peer_image_beside_it():
    _, y, x, to_source, det_a = _peer()
    assert len(y) == 4
    rng = np.random.default_rng(3)
    obs_y, obs_x = y + rng.normal(0, 0.05, 4), x + rng.normal(0, 0.05, 4)
    found = _search(obs_y, obs_x, SOURCE_Y, SOURCE_X, to_source, det_a)
    assert found.found.all()
    assert np.all(found.steps <= 102)
    # the final triangle's source-plane area is < DMIN², so its centroid is the image to ~1e-4″·√|μ|
    np.testing.assert_allclose(found.y, y, atol=2e-3)
    np.testing.assert_allclose(found.x, x, atol=2e-3)


def test_barycentre_source_and_local_search_give_lenstool_chi2_of_exact_images():
    # Observed = the exact images: every traced image is the source, so the barycentre is the source,
    # each search starts at its image (size dd = 0) and the χ² is 0 — Lenstool's fixed point.
    _, y, x, to_source, det_a = _peer()
    ty, tx = to_source(y[:, None], x[:, None])
    np.testing.assert_allclose(ty[:, 0], SOURCE_Y, atol=1e-8)
    found = _search(y, x, float(ty.mean()), float(tx.mean()), to_source, det_a)
    assert found.found.all()
    np.testing.assert_allclose(np.hypot(found.y - y, found.x - x), 0.0, atol=1e-6)


def test_the_walk_follows_the_source_to_its_only_image():
    # A source 5″ outside the caustics has one image; searches started on the far side of the ring walk
    # (with ×2 growing triangles) all the way to it: Lenstool's search is local in its start only.
    lens, _, _, to_source, det_a = _peer()
    x, y = LensEquationSolver(lens).image_position_from_source(5.0, 0.0, SIE, min_distance=0.01,
                                                                search_window=20, precision_limit=1e-12)
    assert len(x) == 1
    found = _search(np.array([0.0, 0.3]), np.array([-1.2, 1.1]), 0.0, 5.0, to_source, det_a)
    assert found.found.all()
    np.testing.assert_allclose(found.y, y[0], atol=2e-3)
    np.testing.assert_allclose(found.x, x[0], atol=2e-3)


def test_an_unreachable_source_is_not_found_and_left_at_the_observed_position():
    # β = θ / (1 + |θ|) never reaches |β| ≥ 1: the walk ends after NITMAX steps without containing it.
    def to_source(y, x):
        r = 1.0 + np.hypot(y, x)
        return y / r, x / r

    def det_a(y, x):
        r = np.hypot(y, x)
        return 1.0 / (1.0 + r) ** 3

    obs_y, obs_x = np.array([0.5, -0.5]), np.array([0.2, 0.4])
    found = _search(obs_y, obs_x, 0.0, 2.0, to_source, det_a)
    assert not found.found.any()
    assert np.all(found.steps == 102)  # Lenstool's ``it++ > NITMAX`` stops after NITMAX + 2 steps
    np.testing.assert_array_equal(found.y, obs_y)
    np.testing.assert_array_equal(found.x, obs_x)


def test_dist_min_is_lenstools():
    assert dist_min([0.0, 3.0, 0.0], [0.0, 4.0, 1.0]) == 1.0
    assert dist_min([0.0, 40.0], [0.0, 0.0]) == 15.0  # capped
    assert dist_min([0.0], [0.0]) == 15.0  # a single image: Lenstool's 1000, capped


def test_lenstool_source_weights_the_traced_images_by_their_magnification():
    # |μ| = 1/|det A|: 10, 2 and 1 → β = (10 β₁ + 2 β₂ + β₃)/13, whatever the parities
    by, bx = np.array([1.0, 4.0, -2.0]), np.array([0.5, -1.0, 3.0])
    y, x = lenstool_source(by, bx, np.array([0.1, -0.5, 1.0]))
    assert y == pytest.approx((10 * 1.0 + 2 * 4.0 - 2.0) / 13)
    assert x == pytest.approx((10 * 0.5 - 2 * 1.0 + 3.0) / 13)
    # equal magnifications: the plain mean
    assert lenstool_source(by, bx, np.array([0.3, -0.3, 0.3])) == pytest.approx((by.mean(), bx.mean()))
