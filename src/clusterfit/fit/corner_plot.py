"""The corner plot of a posterior (:mod:`corner`), and a process of its own to draw it in.

This module imports neither the model nor the physics (only the package's ``import jax``), so
``python -m clusterfit.fit.corner_plot`` starts in under a second: ``fit`` starts it with the search
(:class:`CornerProcess`) and hands it the samples when the search ends, so the ~3 s of matplotlib for an
11-parameter corner plot run on the other core while ``fit`` solves the best fit's images (a thread would
hold the GIL the solver needs; measured on AS1063: no gain).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["short_label", "corner_ranges", "plot_corner", "CornerProcess"]


def short_label(name: str) -> str:
    """``galaxy.attr_name.column`` → ``galaxy column`` (other names unchanged)."""
    parts = name.split(".")
    return f"{parts[0]} {parts[-1]}" if len(parts) >= 3 else name


def corner_ranges(samples: np.ndarray, weights: np.ndarray, quantiles=(0.005, 0.995),
                  truths: Sequence[float] | None = None) -> list[tuple[float, float]]:
    """Per parameter, the weighted 0.5–99.5 % quantile range of the posterior, padded by 10 % (and
    widened to a truth outside it), so the axes show the posterior rather than the prior."""
    order = np.argsort(samples, axis=0)
    ranges = []
    for j in range(samples.shape[1]):
        v, w = samples[order[:, j], j], weights[order[:, j]]
        cdf = np.cumsum(w) / w.sum()
        lo, hi = (float(np.interp(q, cdf, v)) for q in quantiles)
        if truths is not None and np.isfinite(truths[j]):
            lo, hi = min(lo, float(truths[j])), max(hi, float(truths[j]))
        pad = 0.1 * (hi - lo) if hi > lo else 0.5 * max(abs(lo), 1e-6)
        ranges.append((lo - pad, hi + pad))
    return ranges


def plot_corner(samples, weights, names: Sequence[str], path: str | Path, *,
                truths: Sequence[float] | None = None, units: Sequence[str] | None = None,
                dpi: int = 100) -> Path:
    """Corner plot of weighted ``samples`` (shape (n, d)) with :mod:`corner`; returns ``path``.

    ``weights`` may be None (equal weights). Labels are :func:`short_label` of ``names`` with
    ``units`` (length d; "" for none) in brackets; ``truths`` (length d; pass them only for simulated
    data) are drawn as lines. Axis ranges are :func:`corner_ranges`: the weighted 0.5–99.5 %
    quantiles, not the prior.
    """
    import corner
    from matplotlib.figure import Figure

    path = Path(path)
    samples = np.asarray(samples, dtype=float)
    if samples.ndim == 1:
        samples = samples[:, None]
    n, d = samples.shape
    if len(names) != d:
        raise ValueError(f"{d} parameters in samples but {len(names)} names")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},), got {w.shape}")
    w = w / w.sum()
    ranges = corner_ranges(samples, w, truths=truths)
    units = list(units) if units is not None else [""] * d
    labels = [short_label(s) + (f" [{u}]" if u else "") for s, u in zip(names, units, strict=True)]
    size = max(4.0, 1.9 * d)
    fig = Figure(figsize=(size, size), dpi=dpi)
    if d == 1:  # corner cannot draw one parameter into a given figure: a weighted histogram
        ax = fig.subplots()
        ax.hist(samples[:, 0], bins=40, range=ranges[0], weights=w, histtype="step", color="k")
        q = corner.quantile(samples[:, 0], (0.16, 0.5, 0.84), weights=w)
        for v in q:
            ax.axvline(v, ls="--", color="k", lw=0.8)
        if truths is not None:
            ax.axvline(truths[0], color="tab:red")
        ax.set_xlabel(labels[0])
        ax.set_title(f"{labels[0]} = {q[1]:.4g} (+{q[2] - q[1]:.2g} / -{q[1] - q[0]:.2g})", fontsize=9)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)
        return path
    fig.subplots(d, d)
    corner.corner(samples, weights=w, labels=labels, truths=truths,
                  truth_color="tab:red", range=ranges, fig=fig, show_titles=True, title_fmt=".3g",
                  quantiles=(0.16, 0.5, 0.84), title_kwargs={"fontsize": 8}, label_kwargs={"fontsize": 10},
                  plot_datapoints=False, fill_contours=True, levels=(0.393, 0.865), smooth=1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    return path


class CornerProcess:
    """``python -P -m clusterfit.fit.corner_plot`` (``-P``: a ``corner.py`` in the working directory cannot
    shadow the library; this package's own root is put on its path), started now so that its imports overlap
    whatever runs meanwhile, given one plot to draw by :meth:`draw` and waited for by :meth:`wait`; :meth:`stop`
    ends it (Ctrl-C, an error). It runs in a session of its own, so a Ctrl-C in the terminal reaches only this
    process, which then stops it. If this process dies before :meth:`draw`, its input closes and it ends; after
    it, it finishes that one plot (into the staging folder of the killed fit)."""

    def __init__(self, command: Sequence[str] | None = None):
        root = str(Path(__file__).resolve().parents[2])  # the folder holding the clusterfit package
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self._args: tuple | None = None
        self._proc = subprocess.Popen(list(command or [sys.executable, "-P", "-m", __name__]), env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      start_new_session=True)

    def draw(self, samples, weights, names: Sequence[str], path: str | Path, *,
             truths: Sequence[float] | None = None, units: Sequence[str] | None = None) -> None:
        """Send :func:`plot_corner`'s arguments (arrays only: nothing is pickled)."""
        self._args = (samples, weights, names, path, truths, units)
        buffer = io.BytesIO()
        np.savez(buffer, samples=np.asarray(samples, float), names=np.array(list(names), dtype=str),
                 path=np.array(str(path)), weights=np.asarray([] if weights is None else weights, float),
                 truths=np.asarray([] if truths is None else truths, float),
                 units=np.array(list(units) if units is not None else [], dtype=str))
        with contextlib.suppress(OSError):  # it ended early: wait() says why
            self._proc.stdin.write(buffer.getvalue())
            self._proc.stdin.close()

    def wait(self) -> str | None:
        """Wait for the drawing. None when the process drew it; if it failed (a broken environment: it
        could not import what it needs), the plot is drawn here instead and the process's last words are
        returned, for a note (a failure here too raises, as drawing in this process always did)."""
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
        err = self._proc.stderr.read()
        if self._proc.wait() == 0:
            return None
        lines = err.decode(errors="replace").strip().splitlines()
        if self._args is not None:
            samples, weights, names, path, truths, units = self._args
            plot_corner(samples, weights, names, path, truths=truths, units=units)
        return lines[-1] if lines else f"exit status {self._proc.returncode}"

    def stop(self) -> None:
        """End the process if it still runs (nothing to draw any more)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()


def _main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the fit that started it decides when it stops
    for module in ("corner", "matplotlib.figure"):  # imported before the samples arrive
        importlib.import_module(module)

    data = sys.stdin.buffer.read()
    if not data:  # the fit ended without a plot to draw
        return 0
    args = np.load(io.BytesIO(data), allow_pickle=False)
    weights, truths, units = args["weights"], args["truths"], args["units"]
    plot_corner(args["samples"], weights if len(weights) else None, list(args["names"]), str(args["path"]),
                truths=truths if len(truths) else None, units=list(units) if len(units) else None)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
