"""The embedded example cluster: 2 BCGs, a host halo, a 30-member scaling tier, 3 sources."""

from importlib.resources import files
from pathlib import Path

__all__ = ["example_folder"]


def example_folder() -> Path:
    """Path of the embedded example model folder (read-only: copy it before editing)."""
    return Path(str(files(__package__) / "cluster"))
