"""Searches on a dask cluster (a LocalCluster of 2 workers) give the posterior of one process: nautilus
batches, MAP starts and NUTS chains are seeded by their own index, never by where they ran."""

from pathlib import Path

import numpy as np
import pytest
from toy_gaussian import (  # tests/fit is on sys.path under pytest
    CENTRE,
    COV,
    PRIORS,
    chi2,
    log_density,
    log_likelihood,
)

import clusterfit.physics  # noqa: F401  (float64 JAX, as in every fit)
from clusterfit.fit.executors import as_executor
from clusterfit.fit.nested import run_nautilus
from clusterfit.fit.nuts import sample_nuts
from clusterfit.fit.optimise import find_map
from clusterfit.fit.search import SearchConfig

distributed = pytest.importorskip("distributed")

@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_nautilus_batches_on_dask_give_the_same_posterior(client):
    config = SearchConfig(n_live=100, n_eff=300, n_networks=1, n_batch=100, progress=False, seed=4)
    alone = run_nautilus(log_likelihood, PRIORS, config)
    spread = run_nautilus(log_likelihood, PRIORS, SearchConfig(**{**config.__dict__, "pool": client}))
    np.testing.assert_array_equal(spread.samples, alone.samples)
    np.testing.assert_array_equal(spread.log_w, alone.log_w)
    assert abs(alone.quantiles([0.5])[0][0] - CENTRE[0]) < 0.2  # and it is the posterior


def test_map_starts_on_dask_give_the_same_map(client):
    alone = find_map(chi2, PRIORS, np.zeros(3), n_starts=3, seed=2)
    spread = find_map(chi2, PRIORS, np.zeros(3), n_starts=3, seed=2, pool=client)
    np.testing.assert_array_equal(spread.theta, alone.theta)
    assert spread.starts == alone.starts
    # the MAP of L × prior: the Gaussian prior on c (mean 1, σ 2) pulls it from 1.5 towards 1
    assert abs(alone.theta[2] - (1.5 / 0.5 + 1 / 4) / (1 / 0.5 + 1 / 4)) < 1e-4


def test_nuts_chains_on_dask_give_the_same_draws(client):
    kwargs = dict(n_chains=2, n_warmup=100, n_draws=200, seed=9)
    alone = sample_nuts(log_density, np.zeros(3), COV, **kwargs)
    spread = sample_nuts(log_density, np.zeros(3), COV, executor=as_executor(client), **kwargs)
    # equal to rounding: XLA vectorises a group of one chain and one of two differently
    np.testing.assert_allclose(spread.positions, alone.positions, rtol=0, atol=1e-9)
    np.testing.assert_allclose(spread.diagnostics.r_hat, alone.diagnostics.r_hat, atol=1e-3)


def test_a_pool_that_names_nothing_is_refused():
    with pytest.raises(ValueError, match="dask://HOST:PORT"):
        as_executor("localhost:8786")
    assert as_executor(1) is None and as_executor(None) is None


def test_a_worker_rebuilds_the_function_its_handle_names(monkeypatch):
    """A ``source+time_delay`` likelihood or a ``source_chi2+flux`` χ² is rebuilt with its terms (it once fell
    through to the image-plane χ²)."""
    import clusterfit.fit.executors as ex
    import clusterfit.fit.likelihood as lk
    import clusterfit.fit.prepare as pr

    calls = []
    monkeypatch.setattr(pr, "prepare", lambda folder: "composed")
    monkeypatch.setattr(lk, "point_data", lambda composed: "data")
    monkeypatch.setattr(pr, "build_log_likelihood", lambda c, d, kind: calls.append(kind) or "log_l")
    monkeypatch.setattr(lk, "make_source_plane_chi2",
                        lambda c, d, terms=(): calls.append(terms) or (lambda t: (t, None)))
    assert ex._build(Path("f"), "source+time_delay") == "log_l"
    assert ex._build(Path("f"), "source_chi2+flux")(3.0) == 3.0
    assert ex._build(Path("f"), "source_chi2")(4.0) == 4.0
    assert calls == ["source+time_delay", ("flux",), ()]


def test_the_handle_cache_keeps_only_the_latest_functions(tmp_path):
    """Repeated fits in one session do not keep every likelihood alive: the oldest handle's function goes."""
    from clusterfit.fit import executors

    handles = [executors.register(tmp_path / f"f{i}", "source", lambda x, i=i: i)
               for i in range(executors._CACHE_SIZE + 1)]
    kept = {k[0] for k in executors._CACHE}
    assert handles[0].folder not in kept and all(h.folder in kept for h in handles[1:])
    assert handles[-1](None) == executors._CACHE_SIZE


def test_nuts_stopping_early_on_dask_gives_the_same_draws(client):
    """With a stopping check the workers draw everything and the draws are cut where one process stopped."""
    kwargs = dict(n_chains=2, n_warmup=100, n_draws=300, seed=9, enough=lambda w: w.shape[1] >= 200)
    alone = sample_nuts(log_density, np.zeros(3), COV, **kwargs)
    spread = sample_nuts(log_density, np.zeros(3), COV, executor=as_executor(client), **kwargs)
    assert alone.positions.shape == spread.positions.shape == (2, 200, 3)
    np.testing.assert_allclose(spread.positions, alone.positions, atol=1e-9)
