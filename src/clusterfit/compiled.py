"""Compiled functions owned by the object they are compiled from (a composed model or its tracer).

Jitting a model's kernel costs seconds, so each kernel is built once per model and reused. The one
policy: :func:`compiled` keeps the kernel in a dictionary stored on the owner object itself (outside its
dataclass fields, as :func:`functools.cached_property` does), so the kernels live exactly as long as the
model: nothing is keyed by ``id`` (which a later object may reuse), nothing outlives its owner, and a
kernel that refers back to its owner (``jax.jit(tracer.ray_trace)``) forms a cycle that the garbage
collector frees with it. A composed model owns its tracer, so dropping the model drops both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["compiled", "compiled_keys"]

T = TypeVar("T")
_ATTR = "_compiled_functions"


def _store(owner: Any) -> dict[Hashable, Any]:
    try:
        attrs = vars(owner)
    except TypeError:
        raise TypeError(f"{type(owner).__name__} has no __dict__ to hold compiled functions") from None
    return attrs.setdefault(_ATTR, {})


def compiled(owner: Any, key: Hashable, build: Callable[[], T]) -> T:
    """The function ``build()`` made for ``owner`` under ``key``: built on the first call, then the same
    object for as long as ``owner`` lives (``owner`` any object with a ``__dict__``, frozen dataclasses
    included; ``key`` names the kernel and its static options, e.g. ``("newton", 40)``)."""
    store = _store(owner)
    if key not in store:
        store[key] = build()
    return store[key]


def compiled_keys(owner: Any) -> list[Hashable]:
    """The keys of the functions compiled so far for ``owner`` (for tests and diagnostics)."""
    return list(_store(owner))
