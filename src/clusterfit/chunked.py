"""Call a compiled (jitted) kernel over many points in chunks of one fixed size.

A jitted function compiles once per input shape and XLA materialises its intermediates for every point
of a call. Cutting the points into chunks of one fixed ``size`` (the last one padded) therefore bounds
the memory of a call and compiles the kernel once, whatever the number of points. This is the one place
that does it: the image solver, the critical-curve finder, the imaging simulator, the lensing-field
maps and the batched likelihood all go through :func:`chunked_map`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import numpy as np

__all__ = ["chunked_map"]


def chunked_map(kernel: Callable, arrays: Sequence[np.ndarray], size: int,
                fill: Sequence[object] | None = None) -> tuple[np.ndarray, ...]:
    """``kernel(*chunk)`` over chunks of ``size`` rows of ``arrays``; its outputs joined back together.

    ``arrays``: equal-length arrays of shape ``(n, ...)`` (a chunk is ``array[i:i + size]``, so a row
    may itself be a vector, e.g. one θ). The last chunk is padded to ``size`` rows with ``fill[k]`` for
    ``arrays[k]`` (a scalar, broadcast to a row), or, without ``fill``, with copies of the last row; the
    kernel's outputs at the padded rows are dropped. ``kernel`` must treat rows independently (vmapped
    or elementwise) and return an array or a pytree of arrays (a tuple, a NamedTuple) whose leaves have
    a leading axis of ``size``. Returns the leaves as numpy arrays of shape ``(n, ...)``, in
    :func:`jax.tree_util.tree_leaves` order. With ``n = 0`` the kernel is not called: the output shapes
    come from :func:`jax.eval_shape` of a chunk of fill rows (``0`` when there is no ``fill``).
    """
    if size < 1:
        raise ValueError(f"chunk size {size}: must be >= 1")
    arrays = [np.asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("chunked_map needs at least one array")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"arrays of lengths {[len(a) for a in arrays]}: must all have the same length")
    if fill is not None and len(fill) != len(arrays):
        raise ValueError(f"{len(fill)} fill values for {len(arrays)} arrays")

    def padded(start: int) -> list[np.ndarray]:
        out = []
        for k, a in enumerate(arrays):
            part = a[start:start + size]
            if len(part) == size:
                out.append(part)
                continue
            if fill is not None:
                pad = np.asarray(fill[k], dtype=a.dtype)
            else:
                pad = part[-1] if len(part) else np.zeros((), a.dtype)
            buf = np.empty((size, *a.shape[1:]), dtype=a.dtype)
            buf[:len(part)] = part
            buf[len(part):] = pad
            out.append(buf)
        return out

    if n == 0:
        shapes = jax.tree_util.tree_leaves(jax.eval_shape(kernel, *padded(0)))
        return tuple(np.empty((0, *s.shape[1:]), dtype=s.dtype) for s in shapes)
    parts = []
    for start in range(0, n, size):
        m = min(size, n - start)
        parts.append([np.asarray(leaf)[:m] for leaf in jax.tree_util.tree_leaves(kernel(*padded(start)))])
    return tuple(np.concatenate(leaves) for leaves in zip(*parts, strict=True))
