"""Simulation: point datasets (image solver) and imaging, from a model folder."""

from .point import PointNoise, simulate_point_datasets, solve_point_sources
from .simulate import simulate

__all__ = ["PointNoise", "simulate", "simulate_point_datasets", "solve_point_sources"]
