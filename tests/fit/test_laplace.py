"""The laplace search (MAP from several starts + importance sampling) on the simulated example."""

import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig

pytestmark = pytest.mark.slow

# four free parameters (halo and member scaling) instead of the example's ten: the same search end to end, at
# a fraction of the cost (the image-plane gradient dominates; fewer dimensions need shorter trajectories)
PRIORS = """galaxy,attr_name,parameter,prior,lower,upper,mean,sigma
halo,mass,sigma,Uniform,600.0,1200.0,,
halo,mass,r_core,Uniform,1.0,15.0,,
halo,mass,ellipticity,Uniform,0.0,0.7,,
members,scaling,sigma_ref,Uniform,80.0,300.0,,
"""


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from clusterfit.simulate import simulate

    root = tmp_path_factory.mktemp("laplace")
    dataset = simulate(example_folder(), root / "dataset", seed=11)
    (dataset / "priors.csv").write_text(PRIORS)
    result = fit(dataset, root / "results", likelihood="image", search="laplace",
                 config=SearchConfig(n_starts=3, n_samples=4000, progress=False), plots=False)
    return dataset, result


def test_truths_within_3_sigma_and_a_useful_sample(fitted):
    _, result = fitted
    lo, med, hi = result.search.quantiles([0.16, 0.5, 0.84])
    pulls = (med - result.truth) / ((hi - lo) / 2)
    assert np.all(np.abs(pulls) < 3), dict(zip(result.search.names, np.round(pulls, 2), strict=True))
    assert result.search.ess > 500  # the Laplace proposal fits this posterior


def test_map_rms_near_the_noise(fitted):
    dataset, result = fitted
    sigma = load_model(dataset).point_images[0].positions_noise
    assert abs(result.evaluation.rms_arcsec - sigma) / sigma < 0.2
    assert result.evaluation.n_missing == 0
