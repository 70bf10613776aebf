"""The nuts search end to end on the simulated example (``--search nuts``): truths recovered, and the convergence diagnostics written to summary.csv and report.txt."""

import csv

import numpy as np
import pytest

from clusterfit import example_folder
from clusterfit.fit.run import NESTED_MAX_DIM, choose_likelihood, choose_search, fit
from clusterfit.fit.search import SearchConfig

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def fitted(four_parameter_dataset, tmp_path_factory):
    """A nuts fit of the example with four free parameters (conftest.FOUR_PRIORS)."""
    from rich.console import Console

    dataset, root = four_parameter_dataset, tmp_path_factory.mktemp("nuts")
    console = Console(record=True, width=200)
    # short chains: enough for the wiring and the truths; the thresholds are the analytic tests' business
    result = fit(dataset, root / "results", likelihood="image", search="nuts", console=console,
                 config=SearchConfig(n_starts=1, n_chains=2, n_warmup=100, n_draws=100, progress=False),
                 plots=False)
    return result, console.export_text()


def test_the_default_likelihood_follows_the_rule():
    assert choose_likelihood("auto", NESTED_MAX_DIM)[0] == "source"
    assert choose_likelihood("auto", NESTED_MAX_DIM + 1)[0] == "image"
    assert choose_likelihood("auto+time_delay", 50)[0] == "source+time_delay"
    assert choose_likelihood("image", 3) == ("image", None)  # a chosen likelihood is kept, nothing said
    assert choose_likelihood("auto", NESTED_MAX_DIM + 1, "nautilus")[0] == "source"  # nested needs it


def test_the_default_search_follows_the_rule():
    assert choose_search("image", 3)[0] == "nuts"
    assert choose_search("source", NESTED_MAX_DIM)[0] == "nautilus"
    assert choose_search("source", NESTED_MAX_DIM + 1)[0] == "nuts"


def test_truths_within_3_sigma(fitted):
    result, _ = fitted
    lo, med, hi = result.search.quantiles([0.16, 0.5, 0.84])
    pulls = (med - result.truth) / ((hi - lo) / 2)
    assert np.all(np.abs(pulls) < 3), dict(zip(result.search.names, np.round(pulls, 2), strict=True))
    assert len(result.search.samples) == 200


def test_warm_up_and_draws_show_progress(fitted):
    _, text = fitted
    assert "NUTS: 10/100 warm-up steps per chain" in text and "NUTS: 100/100 warm-up steps per chain" in text
    assert "NUTS: 100/100 draws per chain" in text
    assert "not smooth" not in text  # every image's Newton counterpart settles around the MAP


def test_diagnostics_in_summary_and_report(fitted):
    result, _ = fitted
    with open(result.folder / "summary.csv") as f:
        rows = [r for r in csv.reader(f) if r and not r[0].startswith(("#", "derived."))]
    header = rows[0]
    assert header[-3:] == ["r_hat", "ess_bulk", "ess_tail"]
    d = result.search.diagnostics
    for row, r_hat in zip(rows[1:], d.r_hat, strict=True):
        assert float(row[header.index("r_hat")]) == pytest.approx(r_hat, rel=1e-6)
    report = (result.folder / "report.txt").read_text()
    assert "convergence (" in report and "r_hat" in report
    assert "log-evidence: not computed" in report
    assert "fit wall time:" in report and "final image solve" in report and "figures 0.0 s" in report
    # 200 draws cannot reach a bulk ESS of 400 per parameter: the report must say so
    assert "NOT CONVERGED" in report and "WARNING: bulk ESS" in report


def test_a_pool_that_names_nothing_stops_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="dask://HOST:PORT"):
        fit(example_folder(), tmp_path / "results", config=SearchConfig(pool="localhost:8786"))
    assert not (tmp_path / "results").exists()
