"""Compile the post-processing's kernels while the search runs.

After the search, ``fit`` solves the best fit's images, computes the derived quantities and draws the
figures; each runs compiled kernels (the image solver's, the lensing fields', the critical curves')
whose first call compiles them: about 8 s of AS1063's post-processing. Their shapes do not depend on θ,
so :class:`Warmup` compiles them beforehand in a background thread while the search runs (nested
sampling trains its networks on one core). Each module compiles its own kernels by calling them on one
chunk of dummy points or by lowering them for their shapes (``compile_kernels`` in
:mod:`clusterfit.fit.evaluate`, :mod:`clusterfit.products.derived`, :mod:`clusterfit.physics.critical`),
never by doing their work: an earlier version that ran the whole post-processing at the start values
slowed the search more than it saved. The kernels are the same objects the post-processing then calls,
so results do not change.

The thread checks a stop flag between steps; leaving the ``with`` block (normally, by an error or by
Ctrl-C) sets it and waits for the step in progress, because a process that exits while another thread
is inside XLA crashes; a Ctrl-C during that wait is raised after it. An error inside a step ends the
warm-up quietly: the post-processing meets the same problem itself and reports it where it belongs.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Callable, Sequence

import numpy as np

from ..model import ComposedModel

__all__ = ["Warmup", "post_processing_steps"]


class Warmup:
    """Run ``steps`` (callables without arguments) one after another in a background thread, from
    entering the ``with`` block until leaving it (then it stops after the step in progress and is waited
    for). ``completed`` counts the steps that ran to the end."""

    def __init__(self, steps: Sequence[Callable[[], object]]):
        self._steps = list(steps)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clusterfit-warmup", daemon=True)
        self.completed = 0

    def _run(self) -> None:
        for step in self._steps:
            if self._stop.is_set():
                return
            try:
                step()
            except Exception:  # noqa: BLE001 - the post-processing meets it again and reports it
                return
            self.completed += 1

    def __enter__(self) -> Warmup:
        if self._steps:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if not self._thread.is_alive():
            return
        if threading.current_thread() is not threading.main_thread():
            self._thread.join()
            return
        # a Ctrl-C must not leave the thread inside XLA at exit: while waiting for it, SIGINT is only
        # recorded, then given to the handler it was meant for once the thread is done
        caught: list[int] = []
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
        try:
            self._thread.join()
        finally:
            signal.signal(signal.SIGINT, previous)
        if caught and exc[0] is None and previous is not signal.SIG_IGN:
            if callable(previous):
                previous(signal.SIGINT, None)
            raise KeyboardInterrupt


def post_processing_steps(composed: ComposedModel, theta: np.ndarray, n_draws: int,
                          plots: bool) -> list[Callable[[], object]]:
    """The steps that compile what ``fit`` runs after its search for ``composed`` (the final image solve,
    the derived quantities over ``n_draws`` draws, the figures when ``plots``), at ``theta`` (the tables'
    values). None for a model with free source redshifts: its post-processing composes the model again at the
    best fit, with kernels of its own. The thread compiles under JAX's global settings: a thread-local one
    around ``fit`` (``jax.default_device``) does not reach it, so its kernels would not be the ones used."""
    from ..products import derived
    from . import evaluate

    if composed.redshift_index or not composed.model.point_datasets:
        return []
    theta = np.asarray(theta, float)
    n_images = sum(len(ds.images) for ds in composed.model.point_datasets)  # the predicted are about as many
    steps = [lambda: evaluate.compile_kernels(composed, theta),
             lambda: derived.compile_kernels(composed, theta, n_draws, n_images, profile=plots)]
    if plots:
        def figures():
            for module in ("matplotlib.figure", "matplotlib.lines"):  # imported here rather than when drawing
                importlib.import_module(module)
            from . import plots as figures_module

            figures_module.compile_figure_kernels(composed, theta)
        steps.append(figures)
    return steps
