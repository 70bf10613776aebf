"""Where the published Lenstool models used by the interop tests live: tests/data/lenstool/ (README there)."""

from pathlib import Path

__all__ = ["DATA", "VARIANTS"]

DATA = Path(__file__).resolve().parents[1] / "data" / "lenstool"
VARIANTS = Path(__file__).resolve().parents[1] / "data" / "lenstool_variants"
