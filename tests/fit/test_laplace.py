"""The laplace search (MAP from several starts + importance sampling) on the simulated example."""

import numpy as np
import pytest

from clusterfit import load_model
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def fitted(four_parameter_dataset, tmp_path_factory):
    """A laplace fit of the example with four free parameters (conftest.FOUR_PRIORS)."""
    dataset, root = four_parameter_dataset, tmp_path_factory.mktemp("laplace")
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
