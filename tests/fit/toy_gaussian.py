"""A correlated Gaussian posterior in three parameters (a, b uniform, c Gaussian prior) used by both
executor tests (tests/fit/test_executors.py on dask, tests/fit/mpi_pool_run.py on MPI ranks): module-level
functions, so that worker processes find them by name."""

import numpy as np

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
