"""Shared fixtures of the fit tests."""

import pytest

from clusterfit import example_folder

# four free parameters (halo and member scaling) instead of the example's ten: the same search end to end, at
# a fraction of the cost (the image-plane gradient dominates; fewer dimensions need shorter trajectories)
FOUR_PRIORS = """galaxy,attr_name,parameter,prior,lower,upper,mean,sigma
halo,mass,sigma,Uniform,600.0,1200.0,,
halo,mass,r_core,Uniform,1.0,15.0,,
halo,mass,ellipticity,Uniform,0.0,0.7,,
members,scaling,sigma_ref,Uniform,80.0,300.0,,
"""


@pytest.fixture(scope="module")
def four_parameter_dataset(tmp_path_factory):
    """The example simulated (seed 11) with :data:`FOUR_PRIORS` as its priors.csv; one per test module."""
    from clusterfit.simulate import simulate

    dataset = simulate(example_folder(), tmp_path_factory.mktemp("four") / "dataset", seed=11)
    (dataset / "priors.csv").write_text(FOUR_PRIORS)
    return dataset
