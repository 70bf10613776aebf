"""Time delays and fluxes as likelihood terms; H0 free (priors.csv `cosmology,*,H0`) is recovered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from clusterfit.fit.run import fit, split_likelihood
from clusterfit.fit.search import SearchConfig
from clusterfit.simulate import simulate

H0_TRUE = 67.66  # the default cosmology, used by simulate
_MASS = ("galaxy,attr_name,profile_class,y,x,sigma,r_core,r_cut,gamma_1,gamma_2,redshift\n"
         "lens,mass,dPIEMassSph,0.0,0.0,900.0,2.0,300.0,,,0.3\n"
         "lens,shear,ExternalShear,,,,,,0.05,-0.03,0.3\n")


def _lens_model(model: Path, point_csv: str, priors_csv: str) -> Path:
    """A folder with one dPIE + external shear at z 0.3 (σ free), the given point.csv and priors.csv."""
    model.mkdir()
    (model / "mass.csv").write_text(_MASS)
    (model / "point.csv").write_text(point_csv)
    (model / "priors.csv").write_text(priors_csv)
    return model


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    model = _lens_model(tmp_path_factory.mktemp("td") / "model",
                        "galaxy,attr_name,profile_class,y,x,redshift\n"
                        "src_0,point_0,Point,1.0,0.6,2.0\nsrc_1,point_1,Point,-0.8,1.5,3.0\n",
                        "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                        "lens,mass,sigma,Uniform,700,1100,,\ncosmology,*,H0,Uniform,40,100,,\n")
    out = model.parent / "dataset"
    simulate(model, out, seed=3, time_delays=True)  # 0.05″ position noise, 1 d delay noise
    return out


def test_h0_free_is_recovered_within_2_sigma(dataset, tmp_path):
    result = fit(dataset, tmp_path / "res", likelihood="source+time_delay", search="laplace",
                 config=SearchConfig(n_starts=2, n_samples=2000, seed=1), console=Console(quiet=True),
                 plots=False)
    i = list(result.search.names).index("cosmology.*.H0")
    q16, q50, q84 = result.search.quantiles([0.16, 0.5, 0.84])
    sigma = 0.5 * (q84[i] - q16[i])
    assert 0 < sigma < 1.0  # km/s/Mpc: the delays do constrain H0
    assert abs(q50[i] - H0_TRUE) < 2 * sigma, (q50[i], sigma)
    assert "cosmology.csv" in {p.name for p in (tmp_path / "res").iterdir()}


def test_h0_free_without_delays_and_unused_columns(dataset, tmp_path):
    with pytest.raises(ValueError, match="only time delays constrain"):
        fit(dataset, tmp_path / "r1", likelihood="source", search="laplace", console=Console(quiet=True))
    with pytest.raises(ValueError, match="no flux column"):
        fit(dataset, tmp_path / "r2", likelihood="source+time_delay+flux", search="laplace",
            console=Console(quiet=True))
    with pytest.raises(ValueError, match="unknown likelihood term"):
        split_likelihood("source+delays")
    with pytest.raises(ValueError, match="source-plane likelihood"):
        split_likelihood("image+time_delay")
    assert split_likelihood("source+time_delay+flux") == ("source", ("time_delay", "flux"))
    assert split_likelihood("auto+time_delay") == ("auto", ("time_delay",))  # fit resolves it to source+…
    assert not (tmp_path / "r1").exists() or not any((tmp_path / "r1").iterdir())


def test_flux_term_is_zero_at_the_truth_and_grows_away(tmp_path):
    """Exact fluxes (F |μ|, no noise): the flux χ² is ~0 at the truth (source flux solved) and not at a
    wrong lens strength; a flux-only change in the data changes only the flux term."""
    from clusterfit import load_model
    from clusterfit.fit.likelihood import make_source_plane_chi2, point_data
    from clusterfit.model import compose
    from clusterfit.simulate.point import PointNoise

    model = _lens_model(tmp_path / "model",
                        "galaxy,attr_name,profile_class,y,x,flux,redshift\n"
                        "src_0,point_0,PointFlux,1.0,0.6,3.0,2.0\n",
                        "galaxy,attr_name,parameter,prior,lower,upper,mean,sigma\n"
                        "lens,mass,sigma,Uniform,700,1100,,\n")
    simulate(model, tmp_path / "ds", noise=PointNoise(add=False))
    c = compose(load_model(tmp_path / "ds"))
    data = point_data(c)
    assert data.flux is not None and np.all(data.flux > 0)
    pos, both = make_source_plane_chi2(c, data), make_source_plane_chi2(c, data, ("flux",))
    t = c.vector_from_tables()
    assert float(both(t)[0] - pos(t)[0]) < 1e-6
    wrong = t * 1.02
    assert float(both(wrong)[0] - pos(wrong)[0]) > 1.0
