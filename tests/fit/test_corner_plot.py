"""fit/corner_plot: the corner plot drawn by a process of its own (what fit uses), and its failures."""

import sys
import time

import numpy as np
import pytest

from clusterfit.fit.corner_plot import CornerProcess, plot_corner

_PNG = b"\x89PNG\r\n\x1a\n"


def _samples():
    rng = np.random.default_rng(3)
    return rng.normal([800.0, 0.3], [20.0, 0.05], size=(2000, 2)), rng.uniform(0.5, 1.0, 2000)


def test_the_process_draws_the_same_plot_as_this_one(tmp_path):
    samples, weights = _samples()
    names, units, truths = ["halo.mass.sigma", "halo.mass.ellipticity"], ["km/s", ""], [805.0, 0.31]
    corner = CornerProcess()
    try:
        corner.draw(samples, weights, names, tmp_path / "beside.png", truths=truths, units=units)
        corner.wait()
    finally:
        corner.stop()
    plot_corner(samples, weights, names, tmp_path / "here.png", truths=truths, units=units)
    beside, here = (tmp_path / "beside.png").read_bytes(), (tmp_path / "here.png").read_bytes()
    assert beside[:8] == _PNG and beside == here


def test_a_process_that_cannot_draw_leaves_the_plot_to_this_one(tmp_path):
    """A broken environment (the process cannot import what it needs) costs a note, never the fit."""
    samples, weights = _samples()
    names = ["halo.mass.sigma", "halo.mass.ellipticity"]
    broken = [sys.executable, "-c", "import sys; sys.stderr.write('ModuleNotFoundError: corner\\n'); sys.exit(3)"]
    corner = CornerProcess(broken)
    try:
        corner.draw(samples, weights, names, tmp_path / "c.png")
        assert corner.wait() == "ModuleNotFoundError: corner"
    finally:
        corner.stop()
    plot_corner(samples, weights, names, tmp_path / "here.png")
    assert (tmp_path / "c.png").read_bytes() == (tmp_path / "here.png").read_bytes()


def test_bad_arguments_fail_as_they_do_in_this_process(tmp_path):
    samples, weights = _samples()
    corner = CornerProcess()
    try:
        corner.draw(samples, weights, ["only one name"], tmp_path / "c.png")  # two parameters
        with pytest.raises(ValueError, match="2 parameters in samples but 1 names"):
            corner.wait()
    finally:
        corner.stop()
    assert not (tmp_path / "c.png").exists()


def test_stop_ends_a_process_that_was_given_nothing():
    corner = CornerProcess()
    t0 = time.monotonic()
    corner.stop()
    assert corner._proc.returncode is not None and time.monotonic() - t0 < 10


def test_it_ends_by_itself_when_its_input_closes_without_a_plot():
    corner = CornerProcess()
    corner._proc.stdin.close()  # what the death of the fit that started it does
    assert corner._proc.wait(timeout=60) == 0


def test_fit_keeps_its_results_and_says_so_when_the_corner_process_fails(tmp_path, monkeypatch):
    """A fit whose corner-plot process cannot start properly still writes corner.png (drawn in-process)
    and says why in one line; the search here is 200 points around the start (this is about the figure)."""
    import clusterfit as cf
    import clusterfit.fit.run as run
    from clusterfit.fit.search import SearchResult

    dataset = cf.simulate(cf.example_folder(), tmp_path / "dataset", seed=3)

    def quick_search(dataset_folder, composed, likelihood, search, config, console, plots):
        start = composed.vector_from_tables()
        points = start + 1e-3 * np.random.default_rng(1).normal(size=(200, len(start)))
        return SearchResult(composed.priors.names, points, np.full(200, -np.log(200)), np.zeros(200), 0.0,
                            200, 0.0, start, start), start, 0.0

    class Broken(CornerProcess):
        def __init__(self):
            super().__init__([sys.executable, "-c", "import sys; sys.stderr.write('no corner here\\n'); sys.exit(3)"])

    monkeypatch.setattr(run, "_search", quick_search)
    monkeypatch.setattr(run, "_derived", lambda *a: [])
    monkeypatch.setattr(run, "_plots", lambda *a: {})
    monkeypatch.setattr(run, "CornerProcess", Broken)
    from rich.console import Console

    console = Console(record=True, width=200)
    result = cf.fit(dataset, tmp_path / "results", console=console)
    assert (result.folder / "corner.png").read_bytes()[:8] == _PNG
    assert "corner.png was drawn in this process; its own process failed (no corner here)" in console.export_text()
