import os
import shutil
import tempfile
from pathlib import Path

import pytest

from clusterfit import example_folder

# One JAX compilation cache on disk for the whole test session, shared with the child processes the tests
# start (they inherit the environment): the same likelihood, solver or figure function is compiled once,
# not once per test and per child (tests/fit/test_fit_output.py runs eight children on one dataset).
# Set before anything imports jax; a fresh folder per session, removed at its end.
_JAX_CACHE = tempfile.mkdtemp(prefix="clusterfit-tests-jax-cache-")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", _JAX_CACHE)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


def pytest_unconfigure(config):
    shutil.rmtree(_JAX_CACHE, ignore_errors=True)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded example folder."""
    dest = tmp_path / "cluster"
    shutil.copytree(example_folder(), dest)
    return dest
