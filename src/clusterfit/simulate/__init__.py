"""Simulation: point datasets (image solver) and imaging, from a model folder.

Calling the package, ``clusterfit.simulate(...)``, calls :func:`.simulate.simulate`.
"""

from .._callable import make_callable
from .point import PointNoise, simulate_point_datasets, solve_point_sources
from .simulate import simulate

__all__ = ["PointNoise", "simulate", "simulate_point_datasets", "solve_point_sources"]

make_callable(__name__, "clusterfit.simulate.simulate", "simulate")
