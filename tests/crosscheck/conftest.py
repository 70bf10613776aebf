"""Shared set-up for the peer cross-checks: import the peers safely, skip when absent (fail on CI).

PyAutoLens is imported in numpy mode (``PYAUTO_DISABLE_JAX=1``: its JAX compile takes minutes here),
with fit output, visualisation and latents off, from a scratch folder (its import treats the current
folder as a workspace). Its import sets the root logger to INFO on stdout; we put it back.
"""

from __future__ import annotations

import importlib
import logging
import os

import pytest

__all__ = ["import_peer"]

_AUTOLENS_ENV = {
    "PYAUTO_DISABLE_JAX": "1",
    "PYAUTO_SKIP_FIT_OUTPUT": "1",
    "PYAUTO_SKIP_VISUALIZATION": "1",
    "PYAUTO_SKIP_LATENTS": "1",
}


def import_peer(module: str, scratch=None):
    """Import ``module``; skip the test when it is missing, but ``pytest.fail`` when ``CI=true``.

    ``scratch`` (a folder) is made the working directory during the import.
    """
    cwd = os.getcwd()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        if scratch is not None:
            os.chdir(scratch)
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"cross-check peer {module!r} is not importable on CI: {exc}")
        pytest.skip(f"{module} not installed ({exc})")
    finally:
        os.chdir(cwd)
        root.setLevel(level)
        root.handlers[:] = handlers


@pytest.fixture(scope="session")
def al(tmp_path_factory):
    """``autolens`` in numpy mode, imported from a scratch folder (skip if absent; fail on CI)."""
    os.environ.update(_AUTOLENS_ENV)
    return import_peer("autolens", tmp_path_factory.mktemp("autolens_workspace"))


@pytest.fixture(scope="session")
def lenstronomy_lens_model():
    """``lenstronomy.LensModel.lens_model.LensModel`` (skip if absent; fail on CI)."""
    return import_peer("lenstronomy.LensModel.lens_model").LensModel
