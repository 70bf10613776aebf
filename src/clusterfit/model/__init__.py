"""Tables → physics: groups, free-parameter map, priors."""

from .compose import ComposedModel, compose
from .priors import PriorVector, prior_vector

__all__ = ["ComposedModel", "PriorVector", "compose", "prior_vector"]
