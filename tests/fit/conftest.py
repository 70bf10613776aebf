"""Shared fixtures of the fit tests."""

import shutil

import pytest

from clusterfit import example_folder, load_model
from clusterfit.model import compose

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


# images of the example cluster's three point sources (from `clusterfit simulate`, rounded)
EXAMPLE_IMAGES = """name,y,x,positions_noise,redshift
point_0,26.916,-7.401,0.05,1.5
point_0,20.980,11.192,0.05,1.5
point_0,-9.179,-20.961,0.05,1.5
point_0,-15.869,17.425,0.05,1.5
point_0,0.657,-1.010,0.05,1.5
point_1,-10.442,-24.806,0.05,2.0
point_1,10.852,-27.728,0.05,2.0
point_1,-23.052,10.218,0.05,2.0
point_1,18.671,13.292,0.05,2.0
point_1,0.796,-0.554,0.05,2.0
point_2,-24.966,3.073,0.05,3.0
point_2,18.933,-29.043,0.05,3.0
point_2,11.947,19.730,0.05,3.0
point_2,-25.035,-1.595,0.05,3.0
point_2,0.172,-0.140,0.05,3.0
"""


@pytest.fixture(scope="module")
def example_with_images(tmp_path_factory):
    """The example cluster composed with :data:`EXAMPLE_IMAGES` as its point datasets (no search needed)."""
    folder = tmp_path_factory.mktemp("example") / "cluster"
    shutil.copytree(example_folder(), folder)
    (folder / "point_datasets.csv").write_text(EXAMPLE_IMAGES)
    return compose(load_model(folder))
