"""fit/plots: critical curves and caustics (real det A = 0 points), the two-panel figure, corner."""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from clusterfit.fit.evaluate import Evaluation, SystemEvaluation
from clusterfit.fit.plots import (
    critical_curves,
    critical_curves_of_planes,
    figure_planes,
    plot_corner,
    plot_critical_curves,
    short_label,
)

_PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def composed(example_with_images):
    return example_with_images


def _fake_evaluation(composed) -> Evaluation:
    """An Evaluation whose predicted images are the observed ones shifted by 0.3″ and whose sources are
    the mean ray-traced images (what the figure needs, without running the solver)."""
    theta = composed.vector_from_tables()
    systems = []
    for ds in composed.model.point_datasets:
        y = np.array([im.y for im in ds.images])
        x = np.array([im.x for im in ds.images])
        by, bx = composed.source_plane_yx(theta, y, x, composed.plane_of(ds))
        pred = [(float(a + 0.3), float(b - 0.3), 2.0) for a, b in zip(y, x, strict=True)]
        systems.append(SystemEvaluation(ds.name, ds.redshift, len(y), 0.42, 10.0, float(np.mean(by)),
                                        float(np.mean(bx)), pred, 0, 0))
    return Evaluation(0.42, 30.0, 15, 0, 0, systems)


def _check_png(path: Path, min_bytes: int = 20_000) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == _PNG and len(data) > min_bytes, len(data)
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return w, h


def test_critical_curve_points_are_zeros_of_det_a_and_caustics_their_ray_traces(composed):
    theta = composed.vector_from_tables()
    params = composed.group_params(theta)
    plane = composed.source_planes["point_1"]
    cc = critical_curves(composed, theta, plane, extent=35.0, pixel_scale=0.2)
    assert cc.redshift == 2.0 and len(cc.curves) == len(cc.caustics) >= 2  # tangential + radial at least
    pts = cc.points
    finite = np.isfinite(pts).all(1)
    assert finite.mean() > 0.98 and finite.sum() > 500, (finite.mean(), finite.sum())
    pts = pts[finite]
    det = np.asarray(composed.tracer.jacobian(params, jnp.asarray(pts[:, 0]), jnp.asarray(pts[:, 1]),
                                              plane).det)
    rng = np.random.default_rng(1)
    grid = rng.uniform(-35, 35, (4000, 2))
    typical = np.median(np.abs(np.asarray(composed.tracer.jacobian(
        params, jnp.asarray(grid[:, 0]), jnp.asarray(grid[:, 1]), plane).det)))
    assert typical > 0.05
    assert np.max(np.abs(det)) < 0.05 * typical, (np.max(np.abs(det)), typical)
    # a real zero crossing: det A changes sign across the curve (step ±0.05″ along the local normal)
    line = max(cc.curves, key=len)
    line = line[np.isfinite(line).all(1)]
    t = np.gradient(line, axis=0)
    n = np.stack([-t[:, 1], t[:, 0]], -1) / np.linalg.norm(t, axis=1, keepdims=True)
    side = [np.asarray(composed.tracer.jacobian(params, jnp.asarray(q[:, 0]), jnp.asarray(q[:, 1]),
                                                plane).det) for q in (line + 0.05 * n, line - 0.05 * n)]
    assert np.mean(side[0] * side[1] < 0) > 0.95
    # caustics are the critical points ray-traced to the plane
    k = len(line) // 2
    by, bx = composed.tracer.ray_trace(params, jnp.asarray(line[k:k + 1, 0]), jnp.asarray(line[k:k + 1, 1]),
                                       plane)
    caustic = max(cc.caustics, key=len)
    caustic = caustic[np.isfinite(caustic).all(1)]
    np.testing.assert_allclose(caustic[k], [float(by[0]), float(bx[0])], atol=1e-9)


def test_plot_critical_curves_writes_a_two_panel_png(composed, tmp_path):
    ev = _fake_evaluation(composed)
    out = plot_critical_curves(composed, None, ev, tmp_path / "sub" / "critical.png", pixel_scale=0.25)
    assert out == tmp_path / "sub" / "critical.png"
    w, h = _check_png(out, 60_000)
    assert 1000 < w < 3000 and 500 < h < 1500 and w > 1.5 * h  # two square panels side by side


def test_plot_critical_curves_without_evaluation_and_chosen_planes(composed, tmp_path):
    out = plot_critical_curves(composed, composed.vector_from_tables(), None, tmp_path / "c.png",
                               planes=[composed.source_planes["point_2"]], extent=(-20, 40, -30, 30),
                               pixel_scale=0.3)
    _check_png(out)


def test_short_label():
    assert short_label("halo.mass.sigma") == "halo sigma"
    assert short_label("members.scaling.r_cut_ref") == "members r_cut_ref"
    assert short_label("sigma") == "sigma"


def test_plot_corner_with_weights_and_truths(tmp_path):
    rng = np.random.default_rng(0)
    truths = np.array([900.0, 0.3, 6.0])
    samples = truths + rng.normal(size=(3000, 3)) * [20.0, 0.02, 0.3]
    weights = rng.random(3000)
    weights[:100] = 0.0
    out = plot_corner(samples, weights, ["halo.mass.sigma", "halo.mass.ellipticity", "halo.mass.r_core"],
                      tmp_path / "corner.png", truths=truths)
    w, h = _check_png(out)
    assert 400 < w < 2500 and abs(w - h) < 0.2 * w
    # without weights or truths, and a parameter with no spread
    samples[:, 2] = 6.0
    _check_png(plot_corner(samples, None, ["a", "b", "c"], tmp_path / "corner2.png"))
    with pytest.raises(ValueError, match="names"):
        plot_corner(samples, None, ["a", "b"], tmp_path / "bad.png")


def test_planes_sharing_one_grid_give_each_plane_its_own_curves(composed):
    """One lens plane: the grid scaled from the last plane's Jacobian gives the curves that each
    plane's own det A grid gives (z = 1.5, 2, 3 in the example)."""
    theta = composed.vector_from_tables()
    planes = sorted(set(composed.source_planes.values()))
    assert len(planes) == 3 and len(composed.layout.lens_planes) == 1
    shared = critical_curves_of_planes(composed, theta, planes, extent=30.0, pixel_scale=0.25)
    for p, cc in zip(planes, shared, strict=True):
        own = critical_curves(composed, theta, p, extent=30.0, pixel_scale=0.25)
        assert cc.redshift == own.redshift and len(cc.curves) == len(own.curves)
        a, b = cc.points, own.points
        ok = np.isfinite(a).all(1) & np.isfinite(b).all(1)
        assert ok.mean() > 0.95
        np.testing.assert_allclose(a[ok], b[ok], atol=1e-6)


def test_figure_draws_the_nearest_farthest_and_evenly_spread_planes(composed):
    planes = sorted(set(composed.source_planes.values()), key=lambda p: composed.layout.plane_redshifts[p])
    z = [composed.layout.plane_redshifts[p] for p in planes]
    assert z == [1.5, 2.0, 3.0]
    assert figure_planes(composed, planes[::-1]) == planes  # few planes: all, nearest first
    assert figure_planes(composed, planes, most=2) == [planes[0], planes[2]]
    assert figure_planes(composed, planes + planes, most=3) == planes


def test_corner_ranges_follow_the_posterior_not_the_prior():
    from clusterfit.fit.plots import corner_ranges

    rng = np.random.default_rng(0)
    samples = np.column_stack([rng.normal(5.0, 0.1, 4000), rng.uniform(0, 1000, 4000)])
    weights = np.where(samples[:, 1] < 10.0, 1.0, 1e-12)  # the weight puts the 2nd parameter in [0, 10]
    (lo0, hi0), (lo1, hi1) = corner_ranges(samples, weights)
    assert 4.4 < lo0 < 4.85 and 5.15 < hi0 < 5.6  # ~40 samples carry the weight
    assert -2 < lo1 < 1 and 9 < hi1 < 12
