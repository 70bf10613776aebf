"""Searches on MPI ranks (``--pool mpi``: ``mpi4py.futures.MPIPoolExecutor`` under ``mpiexec``) give the
posterior of one process: nautilus batches, MAP starts and NUTS chains, as the dask test does. The
searches run in tests/fit/mpi_pool_run.py under ``mpiexec -n 3 python -m mpi4py.futures`` (rank 0 the
script, 2 workers) with the MPICH of the dev extra (its ``mpiexec`` sits beside the venv's python)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mpi4py")

HERE = Path(__file__).resolve().parent


def _mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.fail("mpi4py is installed but no mpiexec was found: install the dev extra (pip install -e '.[dev]', "
                    "which brings MPICH's wheel) or an MPI library")
    return found


def test_searches_on_mpi_ranks_give_the_posterior_of_one_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "src"), str(HERE),
                                                         os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([_mpiexec(), "-n", "3", sys.executable, "-m", "mpi4py.futures",
                          str(HERE / "mpi_pool_run.py")], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["ranks"] == 3 and out["workers"] == "MPI, 2 workers"
    assert out["nautilus_same"] and out["map_same"]
    assert out["nuts_max_diff"] < 1e-9  # equal to rounding (XLA vectorises 1 and 2 chains differently)
    assert abs(out["nautilus_median_a"] - 0.5) < 0.2  # and it is the posterior
