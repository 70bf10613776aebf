"""The mass groups of a model: one per (``profile_class``, redshift) of ``mass.csv`` rows, one per scaling
tier, each with its stacked table values (docs/csv_format.md, scaling_relations.csv).

A tier's member arrays come from its relation, ``p_i = p_ref (L_i/L_ref)^p_exponent`` (per-member columns
of ``scaling_galaxies.csv`` override), evaluated by :func:`tier_arrays` inside the jitted model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import jax.numpy as jnp
import numpy as np

from ..physics.cosmology import Cosmology
from ..physics.mass.ludlow16 import nfw_ludlow_kappa_s_scale_radius
from ..registry import get_spec
from ..tables import ClusterModel, ProfileRow, ScalingRelation
from ..tables.scaling import luminosity_ratios

__all__ = ["MassGroup", "Tier", "mass_groups", "member_luminosity_ratio", "tier_arrays",
           "ludlow_as_pyautolens", "BUILD_TIME_CONVERTED"]

# NFWMCRLudlowSph is converted to NFW (κ_s, r_s) at build time (its Ludlow concentration is numpy).
BUILD_TIME_CONVERTED = {"NFWMCRLudlowSph": "NFWSph"}


@dataclass(frozen=True)
class Tier:
    """What a scaling tier's member arrays are built from: the relation's values (``<p>_ref``,
    ``<p>_exponent``, fixed columns), ln(L_i/L_ref) per member, and per-member columns."""

    values: dict[str, float]
    log_lum: np.ndarray
    member_columns: dict[str, np.ndarray]


@dataclass(frozen=True)
class MassGroup:
    """One group of same-class mass profiles on one plane: explicit ``mass.csv`` ``rows`` or one scaling
    tier (``relation`` and ``tier``). ``base`` holds the stacked table values, shape (n,) per column (a
    tier: its members' ``y``, ``x``)."""

    profile_class: str
    redshift: float
    rows: tuple[ProfileRow, ...] = ()
    relation: ScalingRelation | None = None
    base: dict[str, np.ndarray] = field(default_factory=dict)
    tier: Tier | None = None


def member_luminosity_ratio(model: ClusterModel, relation: ScalingRelation) -> np.ndarray:
    """L_i / L_ref of the tier's members: from magnitudes when ``mag_ref`` is set
    (L/L_ref = 10^(0.4 (mag_ref − mag))), else ``luminosity / luminosity_ref``."""
    members = model.tier_members(relation.tier)
    mag_ref = relation.values.get("mag_ref")
    if mag_ref is not None:
        mags = [m.extra.get("mag") for m in members]
        if any(not isinstance(v, float) for v in mags):
            raise ValueError(f"{relation.source}: tier {relation.tier!r} sets mag_ref, so every member "
                             "needs a numeric mag column in scaling_galaxies.csv")
    return np.asarray(luminosity_ratios(members, relation), dtype=float)


def tier_arrays(group: MassGroup, values: dict) -> dict[str, jnp.ndarray]:
    """Member arrays of a tier group from its relation ``values`` (docs/csv_format.md, scaling_relations.csv); a missing value
    raises ``KeyError``."""
    spec = get_spec(group.profile_class, "mass")
    tier = group.tier
    out = {}
    n = len(tier.log_lum)
    for p in spec.physical_parameters:
        for col in p.columns:
            if col in ("y", "x"):
                continue
            if col in tier.member_columns:
                out[col] = jnp.asarray(tier.member_columns[col])
            elif f"{col}_ref" in values:
                exponent = values.get(f"{col}_exponent", p.scaling_exponent or 0.0)
                out[col] = values[f"{col}_ref"] * jnp.exp(exponent * jnp.asarray(tier.log_lum))
            else:
                out[col] = jnp.full(n, values[col])
    return out


def mass_groups(model: ClusterModel) -> list[MassGroup]:
    """The groups of ``model``: explicit rows by (class, redshift) in first-seen order, then the tiers
    that have members."""
    galaxies = model.galaxies
    explicit: dict[tuple[str, float], list[ProfileRow]] = {}
    for row in model.mass:
        explicit.setdefault((row.profile_class, galaxies[row.galaxy].redshift), []).append(row)
    groups = [MassGroup(c, z, tuple(rows), base=_explicit_base(c, rows)) for (c, z), rows in explicit.items()]
    for rel in model.scaling_relations:
        members = model.tier_members(rel.tier)
        if not members:
            continue
        spec = get_spec(rel.profile_class, "mass")
        cols = {c for p in spec.physical_parameters for c in p.columns if c not in ("y", "x")}
        member_cols = {c: np.array([float(m.extra[c]) for m in members]) for c in cols
                       if all(isinstance(m.extra.get(c), float) for m in members)}
        tier = Tier({k: v for k, v in rel.values.items() if v is not None},
                    np.log(member_luminosity_ratio(model, rel)), member_cols)
        base = {"y": np.array([m.y for m in members]), "x": np.array([m.x for m in members])}
        groups.append(MassGroup(rel.profile_class, rel.redshift, relation=rel, base=base, tier=tier))
    return groups


def _explicit_base(profile_class: str, rows: list[ProfileRow]) -> dict[str, np.ndarray]:
    """The rows' physical columns stacked (NaN where empty); NFWMCRLudlowSph keeps ``mass_at_200`` until
    :func:`ludlow_as_pyautolens` converts it once the planes are known."""
    spec = get_spec(profile_class, "mass")
    cols = [c for p in spec.physical_parameters for c in p.columns]
    return {c: np.array([np.nan if r.values.get(c) is None else r.values[c] for r in rows]) for c in cols}


# PyAutoLens's NFWMCRLudlowSph converts M200 with its own Planck15 (autogalaxy mcr_util), whatever the
# cosmology, and folds that cosmology's D_ls/D_s to its redshift_source (= the tracer's last plane) into κ_s.
_PLANCK15 = Cosmology(67.74, 0.3075, m_nu=(0.0, 0.0, 0.06))


def ludlow_as_pyautolens(groups: list[MassGroup], z_last: float, cosmo: Cosmology) -> list[MassGroup]:
    """NFWMCRLudlowSph groups made identical to PyAutoLens's class of the same name (docs/autolens.md):
    (κ_s, r_s) from Planck15, and κ_s rescaled so that κ_s · D_lr/D_r(ours) equals PyAutoLens's
    κ_s(Planck15, z_source = the last plane, at ``z_last``)."""
    out = []
    for g in groups:
        if g.profile_class != "NFWMCRLudlowSph" or g.relation is not None:
            out.append(g)
            continue
        base = dict(g.base)
        ks, rs = nfw_ludlow_kappa_s_scale_radius(base.pop("mass_at_200"), g.redshift, _PLANCK15)
        if z_last > g.redshift:
            ks = ks * (_PLANCK15.distance_ratio_matrix([g.redshift, z_last])[0, 1]
                       / cosmo.distance_ratio_matrix([g.redshift, z_last])[0, 1])
        base["kappa_s"], base["scale_radius"] = np.asarray(ks), np.asarray(rs)
        out.append(replace(g, base=base))
    return out
