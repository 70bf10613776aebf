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


# --- a minimal Lenstool input (tests of the Lenstool importer and its cross-checks) --------------------
TWO_IMAGES = "1.1 10.0 2.0 0.1 0.1 0 1.5 0\n1.2 -8.0 -3.0 0.1 0.1 0 1.5 0\n"
_LENSTOOL_PAR = """runmode
\treference 3 10.0 -20.0
\tend
image
\tmultfile 1 imgs.cat
\tmult_wcs 0
\tsigposArcsec 0.4
{image}\tend
{potentials}cosmology
\tH0 70.0
\tomegaM 0.3
\tomegaX 0.7
\tend
fini
"""


@pytest.fixture
def lenstool_par(tmp_path: Path):
    """``write(potentials, catalogue=TWO_IMAGES, image="", name="in.par") -> Path``: a minimal Lenstool input
    in ``tmp_path`` (relative reference at RA 10°, Dec −20°, multiple images in ``imgs.cat`` with
    sigposArcsec 0.4, H0 70, Ω_m 0.3). ``potentials`` maps each ``potentiel`` block's name to its
    tab-indented keyword lines (``z_lens 0.3`` is appended); ``image`` adds lines to the image block."""

    def write(potentials: dict[str, str], catalogue: str = TWO_IMAGES, image: str = "",
              name: str = "in.par") -> Path:
        blocks = "".join(f"potentiel {k}\n{v.rstrip()}\n\tz_lens 0.3\n\tend\n" for k, v in potentials.items())
        (tmp_path / "imgs.cat").write_text(catalogue)
        path = tmp_path / name
        path.write_text(_LENSTOOL_PAR.format(image=image, potentials=blocks))
        return path

    return write
