"""Attach the mass functions to the profile registry (idempotent; runs on import).

After ``import clusterfit.physics.profiles``, ``get_spec(name).functions`` holds
``"deflections_yx"``, ``"convergence"``, ``"potential"`` and ``"hessian"`` for every mass class; see
:mod:`clusterfit.physics.mass` for the signatures and the params contract.
"""

from __future__ import annotations

from clusterfit.physics.mass import MASS_FUNCTIONS
from clusterfit.registry import get_spec

__all__ = ["MASS_FUNCTIONS", "attach"]


def attach() -> None:
    """Put each mass class's four functions into ``get_spec(name, "mass").functions``."""
    for name, fns in MASS_FUNCTIONS.items():
        get_spec(name, "mass").functions.update(fns)


attach()
