"""A subpackage that shares its name with a function of the flat namespace, made callable.

``clusterfit.fit`` and ``clusterfit.simulate`` are subpackages and also the functions ``cf.fit`` and
``cf.simulate``. Python sets ``clusterfit.fit`` to the subpackage whenever one of its modules is first
imported; :mod:`clusterfit` then puts the function back on its next lazy access, and until then calling
the subpackage calls the function, so ``cf.fit(...)`` works whatever was imported first.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["make_callable"]


def make_callable(package: str, module: str, function: str) -> None:
    """Calling ``sys.modules[package]`` calls ``module.function`` (imported at the first call)."""

    class CallablePackage(ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(importlib.import_module(module), function)(*args, **kwargs)

    sys.modules[package].__class__ = CallablePackage
