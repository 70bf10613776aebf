"""The static structure of a tracer: planes, groups of same-class mass profiles and their normalisation
kind (:class:`TracerLayout`), and the distance factors between the planes (:class:`TracerFactors`).
Conventions in :mod:`clusterfit.physics.tracer`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np

from clusterfit.physics.cosmology import (
    DEFAULT_COSMOLOGY,
    Cosmology,
    angular_diameter_distance,
    distance_ratio_matrix,
)
from clusterfit.registry import get_spec

__all__ = ["Kind", "Group", "TracerLayout", "TracerFactors", "default_kind", "tracer_factors"]

Kind = Literal["physical", "reference"]


def default_kind(profile_class: str) -> Kind:
    """``"physical"`` for classes that fold a source redshift into their normalisation in PyAutoLens
    (those with a ``redshift_source`` column: dPIE, NFWMCRLudlowSph), else ``"reference"``."""
    names = get_spec(profile_class, "mass").parameter_names
    return "physical" if "redshift_source" in names else "reference"


@dataclass(frozen=True)
class Group:
    """n same-class mass profiles on one plane, evaluated in one call."""

    profile_class: str
    redshift: float
    kind: Kind

    @classmethod
    def of(cls, profile_class: str, redshift: float) -> Group:
        """A group of a registered class, its kind from :func:`default_kind`."""
        return cls(profile_class, float(redshift), default_kind(profile_class))


@dataclass(frozen=True)
class TracerLayout:
    """Static structure of a tracer: groups (in the order of the ``group_params`` sequence) and sources."""

    groups: tuple[Group, ...]
    source_redshifts: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.groups:
            raise ValueError("a tracer needs at least one mass group")
        for g in self.groups:
            if g.kind not in ("physical", "reference"):
                raise ValueError(f"group {g}: kind must be 'physical' or 'reference'")
            if not g.redshift > 0:
                raise ValueError(f"group {g}: redshift must be > 0")

    @cached_property
    def plane_redshifts(self) -> tuple[float, ...]:
        """Sorted unique redshifts of all lens planes and sources."""
        zs = {g.redshift for g in self.groups} | {float(z) for z in self.source_redshifts}
        return tuple(sorted(zs))

    @cached_property
    def lens_planes(self) -> tuple[int, ...]:
        """Plane indices that hold mass, ascending."""
        zs = sorted({g.redshift for g in self.groups})
        return tuple(self.plane_redshifts.index(z) for z in zs)

    @property
    def reference_plane(self) -> int:
        """Index of the last plane r (highest redshift), to which "reference" deflections refer."""
        return len(self.plane_redshifts) - 1

    def plane_index(self, redshift: float) -> int:
        """Index of the plane at ``redshift`` (relative tolerance 1e-10); errors list the planes."""
        for i, z in enumerate(self.plane_redshifts):
            if abs(z - redshift) <= 1e-10 * max(1.0, z):
                return i
        raise ValueError(f"no plane at z={redshift}; planes: {self.plane_redshifts}")

    def group_plane(self, g: int) -> int:
        """Plane index of group ``g``."""
        return self.plane_index(self.groups[g].redshift)


class TracerFactors(NamedTuple):
    """Distances of a layout's planes, numpy arrays (computed once per model).

    ``ratio[i, j] = D_ij / D_j`` for i < j, else 0; ``distance[j] = D_j`` in Mpc (angular diameter
    distances from the observer). Only ``ratio`` enters ray tracing; ``distance`` sets arrival times.
    """

    ratio: np.ndarray
    distance: np.ndarray


def tracer_factors(layout: TracerLayout, cosmology: Cosmology = DEFAULT_COSMOLOGY) -> TracerFactors:
    """:class:`TracerFactors` for ``layout``'s planes (:mod:`clusterfit.physics.cosmology`, numpy)."""
    z = layout.plane_redshifts
    ratio = distance_ratio_matrix(cosmology, z)
    distance = np.array([angular_diameter_distance(cosmology, zj) for zj in z])
    return TracerFactors(ratio, distance)
