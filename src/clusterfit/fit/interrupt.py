"""Ctrl-C that no library can swallow.

scikit-learn's ``MLPRegressor`` (nautilus trains its neural networks with it) catches ``KeyboardInterrupt``
and only warns, so a Ctrl-C during network training used to be lost and the fit went on to overwrite the
results. Inside :func:`interruptible` the SIGINT handler records the interrupt before raising; the likelihood
wrapper calls :func:`raise_if_interrupted` on every batch, and leaving the block raises too, so the fit stops
with ``KeyboardInterrupt`` (the command exits 130) whatever caught the first one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["interruptible", "raise_if_interrupted"]

_PENDING = threading.Event()


def _on_sigint(signum, frame) -> None:
    _PENDING.set()
    raise KeyboardInterrupt


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGINT arrived inside :func:`interruptible` (even if caught)."""
    if _PENDING.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within the block a SIGINT is remembered, so it is raised again at the next check and at the end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _PENDING.clear()
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    raise_if_interrupted()
