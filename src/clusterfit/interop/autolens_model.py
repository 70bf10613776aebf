"""A model folder as an autofit model for a PyAutoLens search, and fitted instances back into tables.

* :func:`to_autolens_model` — ``af.Collection(galaxies=af.Collection(...))`` of ``af.Model(al.Galaxy)``:
  every table value fixed, every ``priors.csv`` parameter an autofit prior (``Uniform`` →
  ``af.UniformPrior``, ``LogUniform`` → ``af.LogUniformPrior``, ``Gaussian`` → ``af.GaussianPrior``, or
  ``af.TruncatedGaussianPrior`` when ``lower``/``upper`` are set; ``mean = auto`` resolved as in our fit).
  A scaling tier's members are galaxies ``<tier>_<i>`` whose ``mass`` is a :func:`member_class` of the
  tier's class: it takes the relation (``<p>_ref``, ``<p>_exponent``) and the member's fixed L_i/L_ref,
  and builds ``p_i = p_ref (L_i/L_ref)^p_exponent``; free relation parameters are **one** prior object
  shared by every member, so the search has exactly our dimensionality (``prior_count == len(free)``).
  Point sources whose centre is free are ``al.ps.Point``/``PointFlux`` with centre priors (fitted with
  ``al.FitPositionsSource``); the others are ``al.ps.PointSolved`` (the centre solved analytically, fitted
  with ``al.FitPositionsSourceSolved``), as in our likelihood. A dataset without a ``point.csv`` row gets a
  galaxy named after it, at its redshift, holding a ``PointSolved`` of that name.
* :func:`autolens_priors` — our parameter names → the model's priors; :func:`autolens_instance` — the
  instance of θ (analyses and likelihood conventions: :mod:`.autolens_fit`).
* :func:`from_autolens_instance` — a (fitted) instance → our tables: every free parameter read from it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.priors import PriorKind
from ..registry import get_spec
from .autolens_tracer import _al, _kwargs, _profile_class, resolved_model

if TYPE_CHECKING:  # pragma: no cover
    from ..model import ComposedModel
    from ..tables import ClusterModel

__all__ = [
    "to_autolens_model",
    "autolens_priors",
    "autolens_instance",
    "from_autolens_instance",
    "member_class",
]

_MEMBER_CLASSES: dict[str, type] = {}
_PREFIX = "Member"


def member_class(profile_class: str) -> type:
    """``Member<profile_class>``: the PyAutoLens mass class of a scaling-tier member.

    Its constructor takes ``centre``, ``luminosity_ratio`` (L_i/L_ref, fixed), ``<p>_ref`` and
    ``<p>_exponent`` for every scalar parameter ``p`` of the class (a parameter shared by all members is
    ``p_ref`` with exponent 0), the tuple parameters other than ``centre`` as they are, and the
    bookkeeping parameters; it builds the base class with ``p = p_ref · luminosity_ratio ** p_exponent``
    and keeps every argument as an attribute (so a fitted instance can be read back). The class is a
    module attribute (pickles by name)."""
    if profile_class in _MEMBER_CLASSES:
        return _MEMBER_CLASSES[profile_class]
    base = _profile_class(_al(), "mass", profile_class)
    spec = get_spec(profile_class, "mass")
    scalars = [p.name for p in spec.physical_parameters if not p.is_tuple]
    tuples = [p.name for p in spec.physical_parameters if p.is_tuple and p.name != "centre"]
    bookkeeping = [p for p in spec.parameters if p.bookkeeping]
    if "centre" not in spec.parameter_names:
        raise ValueError(f"{profile_class} has no centre: it cannot be a scaling-tier class")

    def __init__(self, **kw):
        args = {"centre": kw["centre"], **{t: kw[t] for t in tuples},
                **{p.name: kw[p.name] for p in bookkeeping}}
        for name in scalars:
            args[name] = kw[f"{name}_ref"] * kw["luminosity_ratio"] ** kw[f"{name}_exponent"]
        base.__init__(self, **args)
        for key, value in kw.items():
            setattr(self, key, value)

    P = inspect.Parameter
    params = [P("centre", P.POSITIONAL_OR_KEYWORD, default=(0.0, 0.0)),
              P("luminosity_ratio", P.POSITIONAL_OR_KEYWORD, default=1.0)]
    for name in scalars:
        params += [P(f"{name}_ref", P.POSITIONAL_OR_KEYWORD, default=1.0),
                   P(f"{name}_exponent", P.POSITIONAL_OR_KEYWORD, default=0.0)]
    params += [P(t, P.POSITIONAL_OR_KEYWORD, default=(0.0, 0.0)) for t in tuples]
    params += [P(p.name, P.POSITIONAL_OR_KEYWORD, default=p.default) for p in bookkeeping]
    name = f"{_PREFIX}{profile_class}"
    cls = type(name, (base,), {"__init__": __init__, "__module__": __name__, "__qualname__": name,
                               "__doc__": f"{profile_class} of a scaling-tier member (clusterfit)."})
    cls.__signature__ = inspect.Signature(params)  # what autofit's getfullargspec reads
    _MEMBER_CLASSES[profile_class] = cls
    return cls


def __getattr__(name: str):  # unpickling Member<class> in a worker process rebuilds the class
    if name.startswith(_PREFIX):
        try:
            return member_class(name[len(_PREFIX):])
        except KeyError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class _Where:
    """Where a free parameter lives in the autofit model/instance:
    ``galaxies.<galaxy>.<attr>.<parameter>`` and, for a tuple, its component ``index``."""

    galaxy: str
    attr: str
    parameter: str
    index: int | None = None


def _where(profile_class: str, family: str, column: str, galaxy: str, attr: str,
           relation: bool = False) -> _Where:
    """Where the cell ``column`` of a row (or of a tier's relation) lives in the autofit model."""
    spec = get_spec(profile_class, family)
    for p in spec.physical_parameters:
        if column in p.columns and (p.is_tuple or not relation):
            return _Where(galaxy, attr, p.name, p.columns.index(column) if p.is_tuple else None)
    # a relation column: <p>_ref / <p>_exponent, or <p> shared by every member (= <p>_ref, exponent 0)
    return _Where(galaxy, attr, column if column.endswith(("_ref", "_exponent")) else f"{column}_ref")


def _locations(composed: ComposedModel) -> dict[str, _Where]:
    """Our free-parameter names → where they live in :func:`to_autolens_model`'s collection."""
    classes = {(r.family, r.galaxy, r.attr_name): r.profile_class for r in composed.model.profiles}
    tiers = {s.relation.tier: s.profile_class for s in composed.groups if s.relation is not None}
    out = {}
    for fp in composed.free:
        if fp.table == "redshift":  # a free source redshift (tables/free.py REDSHIFT)
            raise ValueError(f"{fp.prior.source}: {fp.name} is free, but the PyAutoLens bridge does not "
                             "map free source redshifts (its dPIE/NFW profiles fold redshift_source into "
                             "their normalisation when built); fix the redshift to bridge this model")
        if fp.table != "scaling_relations":
            out[fp.name] = _where(classes[(fp.table, fp.galaxy, fp.attr_name)], fp.table, fp.column,
                                  fp.galaxy, fp.attr_name)
        elif fp.galaxy in tiers:
            out[fp.name] = _where(tiers[fp.galaxy], "mass", fp.column, f"{fp.galaxy}_0", "mass", True)
        else:
            raise ValueError(f"{fp.prior.source}: tier {fp.galaxy!r} has no members, so PyAutoLens has "
                             f"no galaxy to carry {fp.name}; fix it or add members")
    return out


def _prior(af, kind: int, lower: float, upper: float, mean: float, sigma: float):
    if kind == PriorKind.UNIFORM:
        return af.UniformPrior(lower_limit=lower, upper_limit=upper)
    if kind == PriorKind.LOG_UNIFORM:
        return af.LogUniformPrior(lower_limit=lower, upper_limit=upper)
    if np.isfinite(lower) or np.isfinite(upper):
        return af.TruncatedGaussianPrior(mean=mean, sigma=sigma, lower_limit=lower, upper_limit=upper)
    return af.GaussianPrior(mean=mean, sigma=sigma)


def _set(model, where: _Where, value) -> None:
    """Set a profile model's parameter (or tuple component) to a prior or a float."""
    if where.index is None:
        setattr(model, where.parameter, value)
    else:
        setattr(getattr(model, where.parameter), f"{where.parameter}_{where.index}", value)


def _profile_model(af, cls, kw: dict[str, Any], free: dict[_Where, Any], spec_tuples: set[str]):
    """``af.Model(cls)`` with ``kw`` fixed and the priors of ``free`` set (tuples component-wise: a
    tuple of priors passed as a keyword is not registered as free in this autofit version)."""
    tuples_free = {w.parameter for w in free if w.index is not None}
    fixed = {k: v for k, v in kw.items() if k not in tuples_free}
    fixed.update({w.parameter: p for w, p in free.items() if w.index is None})
    out = af.Model(cls, **fixed)
    for name in tuples_free & spec_tuples:
        for i, v in enumerate(kw[name]):
            _set(out, _Where("", "", name, i), v)
    for w, p in free.items():
        if w.index is not None:
            _set(out, w, p)
    return out


def to_autolens_model(model: ClusterModel, composed: ComposedModel | None = None):
    """``af.Collection(galaxies=af.Collection(**{name: af.Model(al.Galaxy)}))`` of ``model`` (see the
    module docstring). Fixed values are the tables' (free cells: their prior median); dPIE and NFW
    bookkeeping is fixed as in :func:`~clusterfit.interop.autolens.to_autolens_galaxies`."""
    import autofit as af

    al = _al()
    composed, filled, theta = resolved_model(model, None, composed)
    z_last = float(composed.layout.plane_redshifts[-1])
    where = _locations(composed)
    pv = composed.priors
    priors = {fp.name: _prior(af, int(pv.kind[i]), pv.lower[i], pv.upper[i], pv.mean[i], pv.sigma[i])
              for i, fp in enumerate(composed.free)}
    by_row: dict[tuple[str, str], dict[_Where, Any]] = {}
    for fp in composed.free:
        by_row.setdefault((where[fp.name].galaxy, where[fp.name].attr), {})[where[fp.name]] = priors[fp.name]

    galaxies: dict[str, Any] = {}
    for gname, galaxy in filled.galaxies.items():
        attrs = {}
        for attr, row in galaxy.profiles.items():
            free = by_row.get((gname, attr), {})
            tuples = {p.name for p in row.spec.physical_parameters if p.is_tuple}
            if row.family == "point" and not free:
                attrs[attr] = af.Model(al.ps.PointSolved)
                continue
            kw = _kwargs(row.profile_class, row.family, row.values, galaxy.redshift, z_last, filled,
                         f"{row.source} ({gname}.{attr})")
            cls = _profile_class(al, row.family, row.profile_class)
            attrs[attr] = _profile_model(af, cls, kw, free, tuples)
        galaxies[gname] = af.Model(al.Galaxy, redshift=float(galaxy.redshift), **attrs)

    point_names = {r.attr_name for r in filled.point}
    for ds, z in _datasets_without_point_rows(composed, point_names):
        name = ds if ds not in galaxies else f"{ds}_source"
        galaxies[name] = af.Model(al.Galaxy, redshift=z, **{ds: af.Model(al.ps.PointSolved)})

    params = composed.group_params(theta)
    for g, src in enumerate(composed.groups):
        rel = src.relation
        if rel is None:
            continue
        galaxies.update(_member_models(af, al, composed, g, params[g], filled, z_last, by_row))
    return af.Collection(galaxies=af.Collection(**galaxies))


def _datasets_without_point_rows(composed: ComposedModel, point_names: set[str]):
    for ds in composed.model.point_datasets:
        if ds.name not in point_names:
            yield ds.name, float(composed.layout.plane_redshifts[composed.plane_of(ds)])


def _member_models(af, al, composed, g, params, filled, z_last, by_row) -> dict[str, Any]:
    src = composed.groups[g]
    rel = next(r for r in filled.scaling_relations if r.tier == src.relation.tier)
    spec = get_spec(src.profile_class, "mass")
    cls = member_class(src.profile_class)
    ratio = np.exp(src.tier.log_lum)
    member_cols = src.tier.member_columns
    free = by_row.get((f"{rel.tier}_0", "mass"), {})
    shared = {w.parameter if w.index is None else (w.parameter, w.index): p for w, p in free.items()}
    fixed: dict[str, Any] = {}
    for p in spec.physical_parameters:
        if p.name == "centre":
            continue
        if p.is_tuple:
            fixed[p.name] = tuple(shared.get((p.name, i), rel.values.get(c)) for i, c in enumerate(p.columns))
        elif f"{p.name}_ref" in rel.values:
            default = p.scaling_exponent or 0.0
            fixed[f"{p.name}_ref"] = shared.get(f"{p.name}_ref", rel.values.get(f"{p.name}_ref"))
            fixed[f"{p.name}_exponent"] = shared.get(f"{p.name}_exponent",
                                                    rel.values.get(f"{p.name}_exponent", default))
        else:  # one value shared by every member
            fixed[f"{p.name}_ref"] = shared.get(f"{p.name}_ref", rel.values.get(p.name))
            fixed[f"{p.name}_exponent"] = 0.0
    for p in spec.parameters:
        if p.bookkeeping:
            fixed[p.name] = {"redshift_object": float(src.redshift), "redshift_source": z_last,
                             "H0": filled.cosmology.H0, "Om0": filled.cosmology.Om0}[p.name]
    out = {}
    y, x = np.asarray(params["y"]), np.asarray(params["x"])
    for i in range(len(y)):
        kw = {**fixed, "centre": (float(y[i]), float(x[i])), "luminosity_ratio": float(ratio[i])}
        for col, values in member_cols.items():  # per-member columns override the relation
            kw[f"{col}_ref"], kw[f"{col}_exponent"] = float(values[i]), 0.0
        tuples = [k for k, v in kw.items() if isinstance(v, tuple) and k != "centre"
                  and any(not isinstance(c, float) for c in v)]
        model = af.Model(cls, **{k: v for k, v in kw.items() if k not in tuples})
        for k in tuples:
            for j, v in enumerate(kw[k]):
                _set(model, _Where("", "", k, j), v)
        out[f"{rel.tier}_{i}"] = af.Model(al.Galaxy, redshift=float(src.redshift), mass=model)
    return out


def _galaxies_of(obj):
    """The galaxies of a collection/instance, of a factor-graph result's instance (children ``0``,
    ``1``, ... share the priors), or a ``{name: galaxy}`` dict."""
    if isinstance(obj, dict) or hasattr(obj, "galaxies"):
        return obj if isinstance(obj, dict) else obj.galaxies
    first = getattr(obj, "0", None)
    if first is not None and hasattr(first, "galaxies"):
        return first.galaxies
    raise TypeError(f"{type(obj).__name__} has no galaxies: pass the instance of a to_autolens_model "
                    "collection (e.g. result.max_log_likelihood_instance) or a dict of galaxies")


def _lookup(obj, where: _Where, is_model: bool):
    galaxies = _galaxies_of(obj)
    galaxy = galaxies[where.galaxy] if isinstance(galaxies, dict) else getattr(galaxies, where.galaxy)
    value = getattr(getattr(galaxy, where.attr), where.parameter)
    if where.index is None:
        return value
    return getattr(value, f"{where.parameter}_{where.index}") if is_model else value[where.index]


def autolens_priors(af_model, composed: ComposedModel) -> dict[str, Any]:
    """``{our parameter name: its prior in af_model}`` for a :func:`to_autolens_model` collection."""
    return {name: _lookup(af_model, w, True) for name, w in _locations(composed).items()}


def autolens_instance(af_model, composed: ComposedModel, theta):
    """The instance of ``af_model`` at our parameter vector θ (``composed.names`` order)."""
    priors = autolens_priors(af_model, composed)
    theta = np.asarray(theta, dtype=float)
    return af_model.instance_for_arguments({priors[n]: float(v) for n, v in
                                            zip(composed.names, theta, strict=True)})


def from_autolens_instance(instance, model: ClusterModel, composed: ComposedModel | None = None
                           ) -> ClusterModel:
    """Our tables with every free parameter read from a PyAutoLens instance (e.g.
    ``result.max_log_likelihood_instance`` of a search over :func:`to_autolens_model`, also through
    ``af.FactorGraphModel``); other cells are the tables' own. ``instance`` may also be a
    ``{name: al.Galaxy}`` dict."""
    if composed is None:
        from ..model import compose

        composed = compose(model)
    where = _locations(composed)
    theta = np.array([float(_lookup(instance, where[n], False)) for n in composed.names])
    return composed.with_vector(theta)
