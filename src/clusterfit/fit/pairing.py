"""Pair observed with predicted images (:mod:`.evaluate`; its docstring states the rule for a missing image).

Optimal one-to-one pairing minimising Σ|Δθ|² (Hungarian algorithm, ``scipy.optimize.
linear_sum_assignment``). When fewer images are predicted than observed, the unpaired observed images
are paired with their nearest predicted image and flagged as *missing*; predicted images left unpaired
are *extra* (typically demagnified central images that were not observed).

Lenstool's own way, a triangle walk from each observed image, is :mod:`.lenstool_walk`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["Pairing", "pair_images"]


class Pairing(NamedTuple):
    """``partner[i]``: index of the predicted image paired with observed image i (-1 if none were
    predicted); ``missing[i]``: observed image i had no one-to-one partner; ``extra``: indices of
    predicted images paired with no observed image."""

    partner: np.ndarray
    missing: np.ndarray
    extra: np.ndarray
    dy: np.ndarray
    dx: np.ndarray


def pair_images(obs_y, obs_x, pred_y, pred_x) -> Pairing:
    """The :class:`Pairing` of observed ``(obs_y, obs_x)`` with predicted ``(pred_y, pred_x)`` images
    (arcsec; module docstring); ``dy, dx`` = observed − paired predicted (NaN when none is predicted)."""
    oy, ox = np.asarray(obs_y, float), np.asarray(obs_x, float)
    py, px = np.asarray(pred_y, float), np.asarray(pred_x, float)
    n_obs, n_pred = len(oy), len(py)
    partner = np.full(n_obs, -1)
    missing = np.ones(n_obs, dtype=bool)
    if n_pred == 0:
        return Pairing(partner, missing, np.zeros(0, dtype=int), np.full(n_obs, np.nan),
                       np.full(n_obs, np.nan))
    d2 = (oy[:, None] - py[None, :]) ** 2 + (ox[:, None] - px[None, :]) ** 2
    rows, cols = linear_sum_assignment(d2)
    partner[rows] = cols
    missing[rows] = False
    partner[missing] = np.argmin(d2[missing], axis=1)
    extra = np.setdiff1d(np.arange(n_pred), cols)
    return Pairing(partner, missing, extra, oy - py[partner], ox - px[partner])
