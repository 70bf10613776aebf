"""Fitting: parameter recovery on the simulated example, the results folder, and bad input."""

import numpy as np
import pytest

from clusterfit import example_folder, load_model
from clusterfit.fit.run import fit
from clusterfit.fit.search import SearchConfig

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from clusterfit.simulate import simulate

    root = tmp_path_factory.mktemp("fit")
    dataset = simulate(example_folder(), root / "dataset", seed=7)
    result = fit(dataset, root / "results", config=SearchConfig(n_live=100, n_eff=400, n_networks=1,
                                                                progress=False))
    return dataset, result


def test_every_truth_within_3_sigma(fitted):
    _, result = fitted
    lo, med, hi = result.search.quantiles([0.16, 0.5, 0.84])
    pulls = (med - result.truth) / ((hi - lo) / 2)
    assert np.all(np.abs(pulls) < 3), dict(zip(result.search.names, np.round(pulls, 2), strict=True))


def test_image_plane_rms_near_the_injected_noise(fitted):
    dataset, result = fitted
    sigma = load_model(dataset).point_images[0].positions_noise
    assert abs(result.evaluation.rms_arcsec - sigma) / sigma < 0.2
    assert result.evaluation.n_missing == 0


def test_results_folder_is_a_model_folder(fitted, tmp_path):
    """fit accepts it, and simulate on it reproduces the predicted images the report lists."""
    from clusterfit.simulate import PointNoise, simulate

    _, result = fitted
    folder = result.folder
    for name in ("samples.csv", "summary.csv", "report.txt", "mass.csv", "scaling_relations.csv",
                 "critical_curves.png", "corner.png"):
        assert (folder / name).exists(), name
    model = load_model(folder)
    best = dict(zip(result.search.names, result.search.best, strict=True))
    assert model.galaxies["halo"].mass.sigma == best["halo.mass.sigma"]
    again = simulate(folder, tmp_path / "again", noise=PointNoise(add=False))
    predicted = {s.name: np.array([(y, x) for y, x, _ in s.predicted]) for s in result.evaluation.systems}
    for ds in load_model(again).point_datasets:
        np.testing.assert_allclose(np.array(ds.positions), predicted[ds.name], atol=1e-6)
    from clusterfit.fit.run import prepare

    prepare(folder)  # fit accepts it (checked up to sampling)


def test_samples_and_summary_csv_hold_the_weighted_posterior(fitted):
    """samples.csv: one row per posterior point, weights summing to 1; summary.csv: each median and 16/84 %
    bound brackets the weighted CDF of samples.csv crossing 0.5/0.16/0.84 (computed here from the file), the
    map column is the sample maximising log L + log prior."""
    import csv

    _, result = fitted
    names = list(result.search.names)
    with open(result.folder / "samples.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["weight", "log_likelihood", *names]
    table = np.array(rows[1:], float)
    weight, log_l, samples = table[:, 0], table[:, 1], table[:, 2:]
    assert len(table) == len(result.search.samples) > 100
    assert np.all(weight >= 0) and weight.sum() == pytest.approx(1.0, abs=1e-9)
    assert np.all(np.isfinite(log_l[weight > 0]))
    priors = result.composed.priors
    assert np.all((samples >= priors.lower) & (samples <= priors.upper))
    with open(result.folder / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    assert list(summary[0])[:7] == ["parameter", "median", "lower_16", "upper_84", "map", "max_likelihood", "prior"]
    assert [r["parameter"] for r in summary[:len(names)]] == names
    map_row = samples[np.argmax(log_l + priors.log_density(samples))]
    for j, row in enumerate(summary[:len(names)]):
        order = np.argsort(samples[:, j])
        x, cdf = samples[order, j], np.cumsum(weight[order])
        for column, q in (("lower_16", 0.16), ("median", 0.5), ("upper_84", 0.84)):
            i = int(np.searchsorted(cdf, q))  # cdf[i - 1] < q <= cdf[i]
            assert x[max(i - 1, 0)] <= float(row[column]) <= x[i], (row["parameter"], column)
        assert float(row["lower_16"]) < float(row["median"]) < float(row["upper_84"])
        assert float(row["map"]) == map_row[j]
        assert row["prior"]

def test_no_priors_fails_before_sampling(example_copy, tmp_path):
    from clusterfit.simulate import simulate

    (example_copy / "priors.csv").unlink()
    ds = simulate(example_copy, tmp_path / "ds")
    with pytest.raises(ValueError, match="nothing is free"):
        fit(ds, tmp_path / "res")


def test_prior_on_missing_parameter_fails_before_sampling(example_copy, tmp_path):
    with open(example_copy / "priors.csv", "a") as f:
        f.write("lens_0,mass,r_cutt,Uniform,1,100,,\n")
    with pytest.raises(ValueError, match="has no parameter 'r_cutt'"):
        fit(example_copy, tmp_path / "res")


def test_dataset_source_without_point_model_fails_before_sampling(example_copy, tmp_path):
    (example_copy / "point_datasets.csv").write_text(
        "name,y,x,positions_noise,redshift\npoint_9,1.0,2.0,0.05,1.5\npoint_9,-3.0,2.0,0.05,1.5\n")
    with pytest.raises(ValueError, match="source 'point_9' has no point model"):
        fit(example_copy, tmp_path / "res")
