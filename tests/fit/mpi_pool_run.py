"""Run by tests/fit/test_executors_mpi.py under ``mpiexec -n 3 python -m mpi4py.futures`` (rank 0 runs this
script, ranks 1–2 are the pool's workers): the searches' pieces spread on MPI ranks, printed as JSON next to
the same searches in one process. The functions live at module level so that the workers, which import this
script as their ``__main__``, find them by name (tests/fit/toy_gaussian.py, on the workers' PYTHONPATH)."""

import json
import sys

import numpy as np
from toy_gaussian import (  # tests/fit: beside this script
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
