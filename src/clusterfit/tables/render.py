"""Every table of a model as the text ``save_model`` writes (no file I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..registry import FAMILIES
from .bookkeeping import with_bookkeeping
from .cosmology import DEFAULT_COSMOLOGY, render_cosmology
from .datasets import render_point_datasets
from .priors import render_priors
from .profiles import FAMILY_FILES, render_profiles
from .scaling import render_scaling_galaxies, render_scaling_relations
from .sky import render_sky_reference

if TYPE_CHECKING:  # pragma: no cover
    from .model import ClusterModel

__all__ = ["render_model"]


def render_model(model: ClusterModel) -> dict[str, str]:
    """The text of every non-empty table, by file name."""
    out: dict[str, str] = {}
    model = with_bookkeeping(model)  # PyAutoLens's readers need them to build the same lens
    if model.point_images:
        out["point_datasets.csv"] = render_point_datasets(list(model.point_images))
    for fam in FAMILIES:
        rows = model.family(fam)
        if rows:
            out[FAMILY_FILES[fam]] = render_profiles(list(rows))
    if model.scaling_galaxies:
        out["scaling_galaxies.csv"] = render_scaling_galaxies(list(model.scaling_galaxies))
    if model.scaling_relations:
        out["scaling_relations.csv"] = render_scaling_relations(list(model.scaling_relations))
    if model.priors:
        out["priors.csv"] = render_priors(list(model.priors))
    if model.cosmology != DEFAULT_COSMOLOGY or model.cosmology.source.file == "cosmology.csv":
        out["cosmology.csv"] = render_cosmology(model.cosmology)
    if model.sky_reference is not None:
        out["sky_reference.csv"] = render_sky_reference(model.sky_reference)
    return out
