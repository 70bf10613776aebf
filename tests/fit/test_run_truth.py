"""``fit`` calls the table values the truth only for a dataset that ``simulate`` wrote: ``FitResult.truth``,
the ``truth`` column of summary.csv and the corner plot's lines. For your own data they are just the start."""

import contextlib
import csv
import shutil

import numpy as np
import pytest

import clusterfit as cf
import clusterfit.fit.run as run
from clusterfit.fit.search import SearchResult
from clusterfit.output import MANIFEST


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return cf.simulate(cf.example_folder(), tmp_path_factory.mktemp("truth") / "dataset", seed=3)


@pytest.fixture
def quick(monkeypatch):
    """The search replaced by 50 points around the start, no derived quantities: this is about labels."""
    corner_truths = []

    def quick_search(dataset_folder, composed, likelihood, search, config, console, plots):
        start = composed.vector_from_tables()
        points = start + 1e-3 * np.random.default_rng(1).normal(size=(50, len(start)))
        result = SearchResult(composed.priors.names, points, np.full(50, -np.log(50)), np.zeros(50), 0.0,
                              50, 0.0, start, start)
        return result, start, 0.0

    class Corner:  # the corner-plot process, recording what it is given
        def draw(self, samples, weights, names, path, *, truths=None, units=None):
            corner_truths.append(truths)

        def wait(self):
            pass

    @contextlib.contextmanager
    def corner_process(plots):
        yield Corner()

    monkeypatch.setattr(run, "_search", quick_search)
    monkeypatch.setattr(run, "_derived", lambda *a: [])
    monkeypatch.setattr(run, "_plots", lambda *a: {})
    monkeypatch.setattr(run, "_corner_process", corner_process)
    return corner_truths


def _header(folder):
    with open(folder / "summary.csv", newline="") as f:
        return next(csv.reader(f))


def test_a_simulated_dataset_has_its_truth(dataset, quick, tmp_path):
    result = cf.fit(dataset, tmp_path / "results")
    assert result.truth is not None and np.array_equal(result.truth, result.start)
    assert quick[0] is result.truth
    assert "truth" in _header(result.folder)


def test_your_own_data_has_a_start_but_no_truth(dataset, quick, tmp_path):
    own = tmp_path / "own"
    shutil.copytree(dataset, own)
    (own / MANIFEST).unlink()  # no longer the simulator's folder
    result = cf.fit(own, tmp_path / "results")
    assert result.truth is None and quick == [None]
    assert np.array_equal(result.start, cf.compose(cf.load_model(own)).vector_from_tables())
    assert "truth" not in _header(result.folder)
