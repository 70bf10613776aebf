"""Where the shared Lenstool validation data lives, for the interop tests."""

import os
from pathlib import Path

__all__ = ["DATA"]


def _lenstool_data() -> Path:
    """$CLUSTERFIT_SHARED_DATA/lenstool, else ../shared/data/lenstool beside the checkout, else /work/shared."""
    candidates = [Path(os.environ["CLUSTERFIT_SHARED_DATA"]) / "lenstool"] if "CLUSTERFIT_SHARED_DATA" in os.environ else []
    candidates += [Path(__file__).resolve().parents[3] / "shared" / "data" / "lenstool",
                   Path("/work/shared/data/lenstool")]
    return next((c for c in candidates if c.is_dir()), candidates[-1])


DATA = _lenstool_data()
