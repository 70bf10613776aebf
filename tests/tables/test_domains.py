"""Registry domains: every parameter has one, angles wrap into their prior, Gaussian priors are truncated
to the domain, and the Lenstool importer starts a limited value inside its limit."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from clusterfit.model.compose import compose
from clusterfit.registry import all_specs
from clusterfit.tables import load_model
from clusterfit.tables.domains import prior_bounds, wrap_into
from clusterfit.tables.rows import PriorRow

BAD = Path(__file__).parents[1] / "data" / "bad"


def test_every_physical_parameter_declares_a_domain_or_is_unbounded_on_purpose():
    unbounded = {"centre", "angle_pos", "gamma_1", "gamma_2", "gamma"}  # positions, angles, shears, slopes
    for spec in all_specs():
        for p in spec.physical_parameters:
            d = p.domain
            if p.name not in unbounded:
                assert d.lower is not None or d.upper is not None, f"{spec.name}.{p.name} has no domain"


def test_angle_wraps_into_its_prior():
    from clusterfit.registry import get_spec

    domain = get_spec("dPIEMass").parameter("angle_pos").domain
    assert wrap_into(327.9, domain, -60.0, 0.0) == pytest.approx(-32.1)
    assert wrap_into(-200.0, domain, 0.0, 180.0) == pytest.approx(160.0)
    assert wrap_into(100.0, domain, -60.0, 0.0) is None
    assert wrap_into(-10.0, domain, -60.0, 0.0) == -10.0


def test_fit_starts_a_wrapped_angle_inside_its_prior():
    """The AS1063 input .par has angle_pos 327.9 in Uniform(−60, 0): the fit starts at −32.1, not at the
    clipped 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        composed = compose(load_model(BAD / "angle_wraps_into_prior"))
    i = composed.names.index("lens_0.mass.angle_pos")
    assert composed.vector_from_tables()[i] == pytest.approx(327.9 - 360.0)


def test_gaussian_prior_is_truncated_to_the_domain():
    from clusterfit.registry import get_spec

    sigma = get_spec("dPIEMass").parameter("sigma").domain
    ell = get_spec("dPIEMass").parameter("ellipticity").domain
    assert prior_bounds(PriorRow("g", "mass", "sigma", "Gaussian", mean=280.0, sigma=70.0), sigma) == \
        (0.0, math.inf)
    lo, hi = prior_bounds(PriorRow("g", "mass", "ellipticity", "Gaussian", mean=0.9, sigma=0.2), ell)
    assert lo == 0.0 and hi < 1.0 and hi == math.nextafter(1.0, 0.0)


def test_sampled_gaussian_never_leaves_the_domain(tmp_path):
    (tmp_path / "mass.csv").write_text(
        "galaxy,attr_name,profile_class,y,x,ellipticity,angle_pos,sigma,r_core,r_cut,redshift\n"
        "lens_0,mass,dPIEMass,0.0,0.0,0.2,30.0,100.0,5.0,800.0,0.3\n")
    (tmp_path / "point.csv").write_text("galaxy,attr_name,profile_class,y,x,redshift\n"
                                        "source_0,point_0,Point,1.0,-0.5,2.0\n")
    (tmp_path / "priors.csv").write_text("galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                                         "lens_0,mass,sigma,Gaussian,,,100.0,80.0\n"
                                         "lens_0,mass,ellipticity,Gaussian,,,0.9,0.3\n")
    priors = compose(load_model(tmp_path)).priors
    draws = priors.transform(np.random.default_rng(1).uniform(0, 1, (20000, 2)))
    assert draws[:, 0].min() >= 0.0 and 0.0 <= draws[:, 1].min() and draws[:, 1].max() < 1.0
