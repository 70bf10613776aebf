"""Run by tests/fit/test_executors_mpi.py under ``mpiexec -n 3 python -m mpi4py.futures`` (rank 0 runs this
script, ranks 1–2 are the pool's workers): the searches' pieces spread on MPI ranks, printed as JSON next to
the same searches in one process. The functions live at module level so that the workers, which import this
script as their ``__main__``, find them by name."""

import json
import sys

import numpy as np

import clusterfit.physics  # noqa: F401  (float64 JAX, as in every fit)
from clusterfit.fit.executors import as_executor
from clusterfit.fit.nested import run_nautilus
from clusterfit.fit.nuts import sample_nuts
from clusterfit.fit.optimise import find_map
from clusterfit.fit.search import SearchConfig
from clusterfit.model.priors import PriorVector

PRIORS = PriorVector(kind=np.array([0, 0, 2]), lower=np.array([-5.0, -5.0, -np.inf]),
                     upper=np.array([5.0, 5.0, np.inf]), mean=np.array([0.0, 0.0, 1.0]),
                     sigma=np.array([1.0, 1.0, 2.0]), names=("a", "b", "c"))
CENTRE = np.array([0.5, -1.0, 1.5])
COV = np.array([[0.2, 0.1, 0.0], [0.1, 0.3, 0.0], [0.0, 0.0, 0.5]])


def log_likelihood(thetas):
    d = np.atleast_2d(thetas) - CENTRE
    return -0.5 * np.einsum("ki,ij,kj->k", d, np.linalg.inv(COV), d)


def chi2(theta):
    import jax.numpy as jnp

    d = theta - CENTRE
    return d @ jnp.asarray(np.linalg.inv(COV)) @ d


def log_density(x):
    return -0.5 * chi2(x + CENTRE)


def main() -> None:
    from mpi4py import MPI

    config = SearchConfig(n_live=100, n_eff=300, n_networks=1, n_batch=100, progress=False, seed=4)
    out = {"ranks": MPI.COMM_WORLD.Get_size()}
    alone = run_nautilus(log_likelihood, PRIORS, config)
    spread = run_nautilus(log_likelihood, PRIORS, SearchConfig(**{**config.__dict__, "pool": "mpi"}))
    out["nautilus_same"] = bool(np.array_equal(alone.samples, spread.samples)
                                and np.array_equal(alone.log_w, spread.log_w))
    out["nautilus_median_a"] = float(alone.quantiles([0.5])[0][0])
    a = find_map(chi2, PRIORS, np.zeros(3), n_starts=3, seed=2)
    b = find_map(chi2, PRIORS, np.zeros(3), n_starts=3, seed=2, pool="mpi")
    out["map_same"] = bool(np.array_equal(a.theta, b.theta) and a.starts == b.starts)
    kwargs = dict(n_chains=2, n_warmup=100, n_draws=200, seed=9)
    n1 = sample_nuts(log_density, np.zeros(3), COV, **kwargs)
    executor = as_executor("mpi")
    try:
        n2 = sample_nuts(log_density, np.zeros(3), COV, executor=executor, **kwargs)
    finally:
        executor.close()
    out["nuts_max_diff"] = float(np.max(np.abs(n1.positions - n2.positions)))
    out["workers"] = executor.label
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
