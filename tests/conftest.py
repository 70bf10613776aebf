import shutil
from pathlib import Path

import pytest

from clusterfit import example_folder


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded example folder."""
    dest = tmp_path / "cluster"
    shutil.copytree(example_folder(), dest)
    return dest
