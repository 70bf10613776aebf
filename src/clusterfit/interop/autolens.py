"""Bridge to PyAutoLens (``autolens==2026.10.26.1``): a model folder as PyAutoLens objects.

``autolens`` is imported inside the functions, so importing clusterfit never needs it. This module
gathers the bridge's public functions from the modules that hold them.

* :func:`to_autolens_galaxies` — every ``mass.csv`` / ``light.csv`` / ``point.csv`` row becomes the
  PyAutoLens profile of the same class and parameters, attached to an ``al.Galaxy`` of the same name
  (families join by galaxy name); each scaling-tier member becomes a galaxy ``<tier>_<i>`` (``i`` its
  index among the tier's members, catalogue order) carrying one ``mass`` profile with the parameters
  its relation gives (``p_i = p_ref (L_i/L_ref)^p_exponent``; per-member columns override).
* :func:`to_autolens_tracer` — those galaxies, plus an empty galaxy on every source plane of our
  tracer that no galaxy occupies, in an ``al.Tracer`` with our cosmology.
* :func:`to_autolens_point_datasets` — ``point_datasets.csv`` as ``al.PointDataset`` objects;
  :func:`from_autolens_point_datasets` — the reverse.
* :func:`to_autolens_model`, :func:`autolens_instance`, :func:`from_autolens_instance`
  (:mod:`.autolens_model`): the folder as an autofit model with our priors, and fitted instances back;
  :func:`to_autolens_analyses`, :func:`autolens_log_likelihood` (:mod:`.autolens_fit`): PyAutoLens
  analyses and their likelihood convention; :func:`export_autolens` (:mod:`.autolens_export`). docs/autolens.md.

See :mod:`.autolens_tracer` for the conventions that make a PyAutoLens tracer agree with ours.
"""

from .autolens_fit import autolens_likelihood_terms, autolens_log_likelihood, to_autolens_analyses
from .autolens_model import (
    autolens_instance,
    autolens_priors,
    from_autolens_instance,
    member_class,
    to_autolens_model,
)
from .autolens_tracer import (
    NOT_IN_AUTOLENS,
    autolens_cosmology,
    check_autolens_classes,
    from_autolens_point_datasets,
    resolved_model,
    to_autolens_galaxies,
    to_autolens_point_datasets,
    to_autolens_tracer,
)

__all__ = [
    "to_autolens_galaxies",
    "to_autolens_tracer",
    "to_autolens_point_datasets",
    "from_autolens_point_datasets",
    "autolens_cosmology",
    "resolved_model",
    "check_autolens_classes",
    "NOT_IN_AUTOLENS",
    "to_autolens_model",
    "autolens_priors",
    "autolens_instance",
    "from_autolens_instance",
    "member_class",
    "to_autolens_analyses",
    "autolens_log_likelihood",
    "autolens_likelihood_terms",
]
