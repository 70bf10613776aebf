"""Free source redshift (issue #5): simulate the example, free one system's redshift, fit it with the
source-plane likelihood, and check the truth is recovered and written back into the results folder."""

import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig

pytestmark = pytest.mark.slow

# a few halo parameters (so that the other two systems pin the mass) and source_1's redshift (truth 2.0)
PRIORS = """galaxy,attr_name,parameter,prior,lower,upper,mean,sigma
halo,mass,sigma,Uniform,600.0,1200.0,,
halo,mass,r_core,Uniform,1.0,15.0,,
halo,mass,ellipticity,Uniform,0.0,0.7,,
source_1,redshift,redshift,Uniform,1.0,4.0,,
"""


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from clusterfit.simulate import simulate

    root = tmp_path_factory.mktemp("free_z")
    dataset = simulate(example_folder(), root / "dataset", seed=7)
    (dataset / "priors.csv").write_text(PRIORS)
    result = fit(dataset, root / "results", plots=False,
                 config=SearchConfig(n_live=150, n_eff=300, n_networks=1, progress=False))
    return dataset, result


def test_free_redshift_recovered_within_3_sigma(fitted):
    _, result = fitted
    names = list(result.search.names)
    assert names[-1] == "source_1.redshift.redshift" and result.truth[-1] == 2.0
    lo, med, hi = result.search.quantiles([0.16, 0.5, 0.84])
    pulls = (med - result.truth) / ((hi - lo) / 2)
    assert np.all(np.abs(pulls) < 3), dict(zip(names, np.round(pulls, 2), strict=True))
    assert hi[-1] - lo[-1] < 0.5  # the images do constrain z (prior width 3)
    assert result.evaluation.n_missing == 0


def test_results_folder_carries_the_fitted_redshift(fitted):
    _, result = fitted
    z = result.search.best[-1]
    model = load_model(result.folder)  # a valid model folder
    assert model.galaxies["source_1"].redshift == z
    assert {im.redshift for im in model.point_images if im.name == "point_1"} == {z}
    assert {s.name: s.redshift for s in result.evaluation.systems}["point_1"] == z
    assert {im.redshift for im in model.point_images if im.name == "point_0"} == {1.5}


def test_image_plane_likelihoods_trace_to_the_free_redshift(tmp_path, z=2.4):
    """The image-plane χ² (Newton from each image) and evaluate's χ² (solver + pairing) of the free-z model at θ equal
    those of the same dataset with θ's redshift written into its tables and no redshift prior."""
    from clusterfit.fit.evaluate import evaluate_model
    from clusterfit.fit.likelihood import point_data
    from clusterfit.fit.local_images import make_local_image_chi2
    from clusterfit.model import compose
    from clusterfit.simulate import simulate
    from clusterfit.tables import save_model

    dataset = simulate(example_folder(), tmp_path / "dataset", seed=3)
    (dataset / "priors.csv").write_text(PRIORS)
    free = compose(load_model(dataset))
    theta = free.vector_from_tables()
    theta[-1] = z
    written = free.with_vector(theta)
    fixed = compose(written.replace(priors=tuple(p for p in written.priors if p.attr_name != "redshift")))
    assert not fixed.redshift_index and fixed.model.galaxies["source_1"].redshift == z
    newton_free = make_local_image_chi2(free, point_data(free))(theta)[0]
    newton_fixed = make_local_image_chi2(fixed, point_data(fixed))(theta[:-1])[0]
    assert float(newton_free) == pytest.approx(float(newton_fixed), rel=1e-9)
    assert evaluate_model(free, theta).chi2 == pytest.approx(evaluate_model(fixed, theta[:-1]).chi2, rel=1e-9)
    # the redshift matters: 0.4 from the truth (2.0) the images are missed by ~0.5 arcsec
    assert float(newton_free) > 10 * float(make_local_image_chi2(free, point_data(free))(
        free.vector_from_tables())[0])
    save_model(written, tmp_path / "written")  # the written-back tables are a model folder
    load_model(tmp_path / "written")
