"""fit/warmup: the post-processing's kernels compiled beside the search, in a thread that stops cleanly."""

import logging
import signal
import threading
import time

import jax
import numpy as np
import pytest

from clusterfit.fit.evaluate import evaluate_model
from clusterfit.fit.plots import plot_critical_curves
from clusterfit.fit.warmup import Warmup, post_processing_steps
from clusterfit.products.derived import derived_quantities, plot_mass_profile


def test_steps_run_in_order_in_a_background_thread():
    seen, done = [], threading.Event()
    steps = [lambda: seen.append(("a", threading.current_thread().name)),
             lambda: seen.append(("b", threading.current_thread().name)), done.set]
    with Warmup(steps) as warm:
        assert done.wait(10)
    assert [s[0] for s in seen] == ["a", "b"]
    assert all(name != threading.main_thread().name for _, name in seen)
    assert warm.completed == 3


def test_leaving_the_block_waits_for_the_step_in_progress_and_runs_no_other():
    started, log = threading.Event(), []

    def slow():
        started.set()
        time.sleep(0.3)
        log.append("slow finished")

    with Warmup([slow, lambda: log.append("next")]) as warm:
        assert started.wait(10)
    log.append("block left")
    assert log == ["slow finished", "block left"]
    assert warm.completed == 1


def test_an_error_in_a_step_ends_the_warmup_quietly():
    log = []

    def broken():
        raise ValueError("bad start values")

    with Warmup([broken, lambda: log.append("after")]) as warm:
        time.sleep(0.2)
    assert log == [] and warm.completed == 0


def test_a_ctrl_c_while_waiting_for_the_step_is_raised_once_it_is_done():
    started, log = threading.Event(), []

    def slow():
        started.set()
        time.sleep(0.5)
        log.append("slow finished")

    def ctrl_c():
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        with Warmup([slow]):
            assert started.wait(10)
            threading.Timer(0.1, ctrl_c).start()  # arrives while __exit__ waits for the step
    assert log == ["slow finished"]


def test_fit_compiles_its_post_processing_during_the_search(four_parameter_dataset, tmp_path, monkeypatch):
    """fit hands post_processing_steps to a Warmup around the search (none with precompile=False)."""
    import clusterfit.fit.run as run
    from clusterfit.fit.search import SearchConfig

    given = []

    class Recorder(Warmup):
        def __init__(self, steps):
            given.append(len(steps))
            super().__init__([])

    class Stop(Exception):
        pass

    def no_search(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(run, "Warmup", Recorder)
    monkeypatch.setattr(run, "run_nautilus", no_search)
    for precompile in (True, False):
        with pytest.raises(Stop):
            run.fit(four_parameter_dataset, tmp_path / f"r{precompile}",
                    config=SearchConfig(progress=False, precompile=precompile))
    assert given == [3, 0]


def test_no_steps_starts_no_thread():
    with Warmup([]) as warm:
        pass
    assert warm.completed == 0 and not warm._thread.is_alive()


@pytest.fixture(scope="module")
def composed(example_with_images):
    return example_with_images


def test_after_the_steps_the_post_processing_compiles_nothing(composed, tmp_path, caplog):
    """The steps compile at the start values every kernel the post-processing then runs at another θ
    (the best fit, with 20 posterior draws): no XLA compilation is left for it."""
    start = composed.vector_from_tables()
    for step in post_processing_steps(composed, start, 20, plots=True):
        step()
    theta = start * 1.01
    draws = theta * (1 + 0.01 * np.random.default_rng(1).standard_normal((20, len(theta))))
    caplog.set_level(logging.WARNING)
    with jax.log_compiles():
        evaluation = evaluate_model(composed, theta)
        derived_quantities(composed, theta, evaluation, draws, extent=60.0)
        plot_critical_curves(composed, theta, evaluation, tmp_path / "cc.png")
        plot_mass_profile(composed, theta, tmp_path / "m.png", draws)
    compiles = [r.getMessage() for r in caplog.records if "Finished XLA compilation" in r.getMessage()]
    assert compiles == []


def test_models_with_free_source_redshifts_get_no_steps(composed):
    class Free:
        redshift_index = {"point_0": 3}
        model = composed.model

    assert post_processing_steps(Free(), composed.vector_from_tables(), 20, plots=True) == []
