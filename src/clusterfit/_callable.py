"""A subpackage that shares its name with a function of the flat namespace, made callable.

``clusterfit.fit`` and ``clusterfit.simulate`` are subpackages and also what a user calls as ``cf.fit(...)``
and ``cf.simulate(...)``. The name always stays the subpackage (Python sets it so whenever one of its
modules is imported; swapping a function in would break ``import clusterfit.fit.executors`` after a
``cf.fit`` access); calling the subpackage calls the function, whose docstring it carries.
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

        __call__.__doc__ = f"Call :func:`{module}.{function}` (``help({module}.{function})`` for its arguments)."

    sys.modules[package].__class__ = CallablePackage
