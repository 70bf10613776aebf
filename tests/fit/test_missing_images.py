"""The rule for a missing image (fit/evaluate.py docstring): a system the model predicts no image of has
all its images missing; they are counted in ``n_missing`` and left out of the χ² and of the rms.

A singular isothermal sphere (Einstein radius b) has analytic images: a source at β (|β| < b) has two,
at β̂·(|β| + b) with μ = 1 + b/|β| and at β̂·(|β| − b) with μ = 1 − b/|β|; outside the caustic
(|β| > b) only the first. With ``magnification_threshold`` = 3, system A (|β| = 0.2″) keeps both its
images (|μ| = 6, 4) and system B (|β| = 2b, μ = 1.5) has none.
"""

import numpy as np
import pytest

from clusterfit.fit.evaluate import evaluate_model
from clusterfit.model import compose
from clusterfit.physics.solver import SolverConfig
from clusterfit.tables import load_model

B = 1.0  # Einstein radius (arcsec) for the source redshift below
SIGMA = 0.05


def _sis_images(by, bx, b=B):
    """Analytic SIS images (y, x) of a source at (by, bx): outer first, inner only inside the caustic."""
    r = np.hypot(by, bx)
    radii = [r + b] + ([r - b] if r < b else [])
    return [(by / r * t, bx / r * t) for t in radii]


@pytest.fixture
def folder(tmp_path):
    a = _sis_images(0.12, 0.16)  # |β| = 0.2
    a = [(a[0][0] + 0.03, a[0][1] - 0.02), (a[1][0] - 0.01, a[1][1] + 0.04)]  # observed: offset images
    b = [(1.6 + 1.0, 1.2 + 0.75), (1.6 + 1.05, 1.2 + 0.70)]  # near B's only image (|β| = 2, μ = 1.5)
    (tmp_path / "mass.csv").write_text("galaxy,attr_name,profile_class,y,x,einstein_radius,redshift\n"
                                       "halo,mass,IsothermalSph,0.0,0.0,1.0,0.3\n")
    (tmp_path / "point.csv").write_text("galaxy,attr_name,profile_class,y,x,redshift\n"
                                        "source_a,point_a,Point,0.12,0.16,2.0\n"
                                        "source_b,point_b,Point,1.6,1.2,2.0\n")
    rows = [f"point_a,{y},{x},{SIGMA},2.0" for y, x in a] + [f"point_b,{y},{x},{SIGMA},2.0" for y, x in b]
    (tmp_path / "point_datasets.csv").write_text("name,y,x,positions_noise,redshift\n" + "\n".join(rows) + "\n")
    return tmp_path, np.array(a)


def test_a_system_with_no_predicted_image_is_missing_and_out_of_the_rms(folder):
    path, obs_a = folder
    config = SolverConfig(magnification_threshold=3.0)
    composed = compose(load_model(path))
    # fit's results path (fit/run.py: the composed model at θ) and `clusterfit evaluate` (the folder)
    from_fit = evaluate_model(composed, composed.vector_from_tables(), config=config)
    from_evaluate = evaluate_model(load_model(path), config=config)
    a_fit, b_fit = from_fit.systems
    assert len(b_fit.predicted) == 0 and b_fit.n_missing == 2 and b_fit.chi2 == 0
    assert [im["found"] for im in b_fit.images] == [False, False]
    # A: the analytic SIS images of the source evaluate chose, paired with the observed ones
    pred = np.array(_sis_images(a_fit.source_y, a_fit.source_x))
    np.testing.assert_allclose(np.array([p[:2] for p in a_fit.predicted]), pred, atol=1e-6)
    d2 = np.sum((obs_a - pred) ** 2, axis=1)
    for ev in (from_fit, from_evaluate):
        assert ev.n_missing == 2 and ev.n_images == 4
        assert ev.rms_arcsec == pytest.approx(np.sqrt(d2.mean()), rel=1e-6)  # over A's 2 images, not 4
        assert ev.chi2 == pytest.approx(d2.sum() / SIGMA**2, rel=1e-6)
    assert from_evaluate.rms_arcsec == pytest.approx(from_fit.rms_arcsec, rel=1e-12)
