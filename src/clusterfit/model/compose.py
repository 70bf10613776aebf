"""Tables → stacked mass groups + a free-parameter map: the forward model as one jitted function.

This is the one place that joins :mod:`clusterfit.tables` and :mod:`clusterfit.physics`.

* Every ``mass.csv`` row joins the group of its (``profile_class``, redshift); a scaling tier is one
  group whose arrays come from its relation (docs/csv_format.md, scaling_relations.csv): ``p_i = p_ref (L_i/L_ref)^p_exponent``.
* The free-parameter vector θ (one entry per :class:`~clusterfit.tables.FreeParameter`, in
  ``priors.csv`` order) is scattered into the stacked arrays by precomputed indices, so
  :meth:`ComposedModel.group_params` is a pure function of θ (jit- and vmap-able) and compile time
  does not grow with the number of galaxies.
* :meth:`ComposedModel.with_vector` writes θ back into the tables: a fit's best model is a model folder.
* A free source redshift (``priors.csv`` row ``<point galaxy>, redshift, redshift``) keeps the source on
  its table plane; the jitted paths pass θ's z as the tracer's ``z_source`` (distance ratios from a
  :class:`~clusterfit.physics.cosmology.DistanceTable`), and code that needs a fixed tracer at a
  concrete θ (image solver, arrival times, plots) uses :meth:`ComposedModel.at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import jax.numpy as jnp
import numpy as np

from ..physics.cosmology import Cosmology, distance_table
from ..physics.tracer import Group, Tracer, TracerFactors, TracerLayout, make_tracer
from ..tables import ClusterModel, FreeParameter, PointDataset
from ..tables.domains import parameter_domain, wrap_into
from ..tables.free import COSMOLOGY
from ..tables.rows import REDSHIFT
from .groups import BUILD_TIME_CONVERTED, MassGroup, ludlow_as_pyautolens, mass_groups, tier_arrays
from .memory import check_memory
from .priors import PriorVector, prior_vector

__all__ = ["ComposedModel", "MassGroup", "compose"]


@dataclass(frozen=True)
class _Slot:
    """θ[index] sets ``column`` at ``positions`` of group ``group`` (explicit rows), or a relation
    parameter ``column`` of the tier group ``group``."""

    index: int
    group: int
    column: str
    positions: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ComposedModel:
    """A model ready for the physics (built by :func:`compose`).

    ``groups`` are the mass groups (:class:`~.groups.MassGroup`: stacked table values, tier inputs),
    aligned with ``layout.groups`` (their planes and normalisation kinds); ``factors`` the distance
    factors of the planes; ``free`` the free parameters in θ order and ``slots`` where each θ entry goes;
    ``source_planes`` the plane index of each source (dataset name, or ``galaxy.attr`` of a light profile
    behind the lenses); ``tracer`` the jit-able tracer (built eagerly, never inside a jit trace);
    ``redshift_index`` the θ index of each source's free redshift."""

    model: ClusterModel
    groups: tuple[MassGroup, ...]
    layout: TracerLayout
    factors: TracerFactors
    free: tuple[FreeParameter, ...]
    slots: tuple[_Slot, ...] = ()
    source_planes: dict[str, int] = field(default_factory=dict)
    tracer: Tracer | None = None
    redshift_index: dict[str, int] = field(default_factory=dict)

    # --- the parameter vector ------------------------------------------------------------------
    @cached_property
    def priors(self) -> PriorVector:
        return prior_vector(list(self.free), auto_means=self.auto_means, domains=self.domains)

    @cached_property
    def domains(self) -> tuple:
        """The registry domain of each free parameter (a Gaussian prior is truncated to it)."""
        return tuple(_domain(self.model, fp) for fp in self.free)

    @cached_property
    def auto_means(self) -> dict[str, float]:
        """``mean = auto`` of free source centres: the centroid of the source's observed images traced
        to its plane with every other parameter at its prior median (docs/csv_format.md, priors.csv)."""
        autos = [fp for fp in self.free if fp.prior.prior == "Gaussian" and fp.prior.mean == "auto"]
        if not autos:
            return {}
        provisional = prior_vector(list(self.free), auto_means={fp.name: 0.0 for fp in autos},
                                   domains=self.domains)
        theta = provisional.median()
        datasets = {d.name: d for d in self.model.point_datasets}
        out = {}
        for fp in autos:
            ds = datasets.get(fp.attr_name)
            if fp.table != "point" or fp.column not in ("y", "x") or ds is None:
                raise ValueError(f"{fp.prior.source}: mean = auto is for point-source centres with "
                                 f"observed images; {fp.name} has none in point_datasets.csv")
            by, bx = self.source_plane_yx(theta, np.array([im.y for im in ds.images]),
                                          np.array([im.x for im in ds.images]), self.plane_of(ds),
                                          self.free_redshift(theta, ds.name))
            out[fp.name] = float(np.mean(by if fp.column == "y" else bx))
        return out

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.free)

    def vector_from_tables(self) -> np.ndarray:
        """θ of the table values; an empty (free) cell takes its prior median. A periodic value (an angle)
        outside its prior is turned into it (327.9° in Uniform(−60, 0) starts at −32.1°)."""
        theta = np.empty(len(self.free))
        for i, fp in enumerate(self.free):
            value = _table_value(self.model, fp)
            if value is not None:
                wrapped = wrap_into(value, _domain(self.model, fp), self.priors.lower[i], self.priors.upper[i])
                value = value if wrapped is None else wrapped
            theta[i] = np.nan if value is None else value
        if np.isnan(theta).any():
            median = self.priors.median()
            theta = np.where(np.isnan(theta), median, theta)
        return theta

    def group_params(self, theta) -> list[dict[str, jnp.ndarray]]:
        """Stacked per-group parameter arrays for θ (pure; jit- and vmap-able)."""
        theta = jnp.asarray(theta)
        out: list[dict[str, jnp.ndarray]] = []
        by_group: dict[int, list[_Slot]] = {}
        for s in self.slots:
            by_group.setdefault(s.group, []).append(s)
        for g, group in enumerate(self.groups):
            params = {c: jnp.asarray(v) for c, v in group.base.items()}
            if group.tier is None:
                for s in by_group.get(g, []):
                    params[s.column] = params[s.column].at[np.asarray(s.positions)].set(theta[s.index])
            else:
                values: dict[str, jnp.ndarray] = {c: jnp.asarray(v) for c, v in group.tier.values.items()}
                for s in by_group.get(g, []):
                    values[s.column] = theta[s.index]
                params.update(tier_arrays(group, values))
            out.append(params)
        return out

    def with_vector(self, theta) -> ClusterModel:
        """The model's tables with θ written into their cells (for results and re-simulation)."""
        theta = np.asarray(theta, dtype=float)
        model = self.model
        updates: dict[tuple[str, str, str], dict[str, float]] = {}
        for fp, v in zip(self.free, theta, strict=True):
            updates.setdefault((fp.table, fp.galaxy, fp.attr_name), {})[fp.column] = float(v)
        fams = {}
        for fam in ("mass", "light", "point"):
            rows = []
            for row in model.family(fam):
                up = updates.get((fam, row.galaxy, row.attr_name))
                rows.append(replace(row, values={**row.values, **up}) if up else row)
            fams[fam] = tuple(rows)
        rels = []
        for rel in model.scaling_relations:
            up = updates.get(("scaling_relations", rel.tier, "scaling"))
            rels.append(replace(rel, values={**rel.values, **up}) if up else rel)
        z_new = {g: u[REDSHIFT] for (t, g, _), u in updates.items() if t == REDSHIFT}
        if z_new:  # one galaxy, one redshift: every cell that names it, and its point datasets
            for fam in ("mass", "light", "point"):
                fams[fam] = tuple(replace(r, redshift=z_new[r.galaxy])
                                  if r.galaxy in z_new and r.redshift is not None else r
                                  for r in fams[fam])
            z_of = {r.attr_name: z_new[r.galaxy] for r in fams["point"] if r.galaxy in z_new}
            images = tuple(replace(im, redshift=z_of[im.name])
                           if im.name in z_of and im.redshift is not None else im
                           for im in model.point_images)
            model = model.replace(point_images=images)
        h0 = {u["H0"] for (t, _, _), u in updates.items() if t == COSMOLOGY}
        if h0:
            model = model.replace(cosmology=replace(model.cosmology, H0=h0.pop()))
        return model.replace(**fams, scaling_relations=tuple(rels))

    def at(self, theta) -> ComposedModel:
        """This model composed again with θ's source redshifts as its table redshifts (``self`` when no
        redshift is free): its fixed tracer, planes and image solver are exact at θ, and θ keeps its
        meaning (the same free parameters in the same order)."""
        theta = np.asarray(theta, dtype=float)
        if all(theta[i] == self.layout.plane_redshifts[self.source_planes[n]]
               for n, i in self.redshift_index.items()):
            return self
        return compose(self.with_vector(theta))

    # --- the physics -----------------------------------------------------------------------------
    def source_redshift(self, theta, name: str):
        """Redshift of source ``name`` at θ: its free value, else its table plane's (None if unknown)."""
        i = self.redshift_index.get(name)
        if i is not None:
            return jnp.asarray(theta)[i]
        plane = self.source_planes.get(name)
        return None if plane is None else self.layout.plane_redshifts[plane]

    def free_redshift(self, theta, name: str):
        """θ's redshift of source ``name`` if it is free, else None (a ``z_source`` argument)."""
        i = self.redshift_index.get(name)
        return None if i is None else jnp.asarray(theta)[i]

    def source_plane_yx(self, theta, y, x, plane, z_source=None) -> tuple[jnp.ndarray, jnp.ndarray]:
        """Source-plane positions (arcsec) of image-plane (y, x); ``plane`` per position or scalar.

        ``z_source`` (scalar or per position; e.g. :meth:`source_redshift`) traces to a free source
        redshift; without it the plane's table redshift is used."""
        return self.tracer.ray_trace(self.group_params(theta), y, x, plane, z_source)

    def jacobian(self, theta, y, x, plane, z_source=None):
        """Lensing Jacobian A = ∂β/∂θ at image-plane (y, x) (see :meth:`source_plane_yx`)."""
        return self.tracer.jacobian(self.group_params(theta), y, x, plane, z_source)

    def plane_of(self, dataset: PointDataset) -> int:
        return self.source_planes[dataset.name]

    @property
    def dataset_planes(self) -> list[int]:
        """The source planes of the point datasets, each once, in plane order."""
        return sorted({self.plane_of(ds) for ds in self.model.point_datasets})

    @property
    def n_members(self) -> int:
        return sum(len(g.base["y"]) for g in self.groups if g.tier is not None)


def _domain(model: ClusterModel, fp: FreeParameter):
    cls = None
    if fp.table == "scaling_relations":
        cls = next(r for r in model.scaling_relations if r.tier == fp.galaxy).profile_class
    elif fp.table not in (REDSHIFT, COSMOLOGY):
        cls = next(r for r in model.family(fp.table) if r.key == (fp.galaxy, fp.attr_name)).profile_class
    return parameter_domain(fp.table, cls, fp.column)[0]


def _table_value(model: ClusterModel, fp: FreeParameter) -> float | None:
    if fp.table == COSMOLOGY:
        return model.cosmology.H0
    if fp.table == REDSHIFT:
        return model.galaxies[fp.galaxy].redshift
    if fp.table == "scaling_relations":
        rel = next(r for r in model.scaling_relations if r.tier == fp.galaxy)
        return rel.values.get(fp.column)
    row = next(r for r in model.family(fp.table) if r.key == (fp.galaxy, fp.attr_name))
    return row.values.get(fp.column)


def compose(model: ClusterModel) -> ComposedModel:
    """Build the :class:`ComposedModel` of ``model`` (validated tables)."""
    if not model.mass and not model.scaling_galaxies:
        raise ValueError(f"{model.folder or 'the model'} has no mass model: simulate, evaluate and fit need "
                         "mass.csv (or a scaling tier with members in scaling_galaxies.csv)")
    free = model.free_parameters
    galaxies = model.galaxies
    groups = mass_groups(model)
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g.profile_class] = sizes.get(g.profile_class, 0) + (len(g.rows) if g.tier is None else len(g.base["y"]))
    check_memory(sizes, str(model.folder or "the model"))
    cosmo = Cosmology.of(model.cosmology)
    slots = _slots(free, groups)
    # tier values that are free but empty in the table take the θ value; check coverage now
    for g, group in enumerate(groups):
        if group.tier is not None:
            values = dict(group.tier.values)
            for s in slots:
                if s.group == g:
                    values[s.column] = 0.0
            tier_arrays(group, values)  # raises KeyError if incomplete

    source_planes_z: dict[str, float] = {}
    points = {r.attr_name: r for r in model.point}
    for ds in model.point_datasets:
        z = ds.redshift
        if z is None and ds.name in points:
            z = galaxies[points[ds.name].galaxy].redshift
        if z is None:
            raise ValueError(f"{ds.images[0].source}: source {ds.name!r} has no redshift; write it in "
                             "point_datasets.csv or give point.csv a row with attr_name "
                             f"{ds.name!r} and a redshift")
        source_planes_z[ds.name] = z
    for row in model.point:
        source_planes_z.setdefault(row.attr_name, galaxies[row.galaxy].redshift)
    for row in model.light:
        z = galaxies[row.galaxy].redshift
        if z is not None and z > max(g.redshift for g in groups):
            source_planes_z.setdefault(f"{row.galaxy}.{row.attr_name}", z)
    # NFWMCRLudlowSph is physical (D_ls/D_s = 1) even though it is evaluated with NFWSph functions
    layout = TracerLayout(tuple(replace(Group.of(BUILD_TIME_CONVERTED[g.profile_class], g.redshift), kind="physical")
                                if g.profile_class in BUILD_TIME_CONVERTED else Group.of(g.profile_class, g.redshift)
                                for g in groups),
                          tuple(sorted(set(source_planes_z.values()))))
    groups = ludlow_as_pyautolens(groups, layout.plane_redshifts[-1], cosmo)
    factors = TracerFactors(cosmo.distance_ratio_matrix(layout.plane_redshifts),
                            np.array([cosmo.angular_diameter_distance(z) for z in layout.plane_redshifts]))
    planes = {name: layout.plane_index(z) for name, z in source_planes_z.items()}
    z_index = _redshift_index(model, free, source_planes_z, layout, groups)
    table = None
    if z_index:
        uppers = [fp.prior.upper for fp in free if fp.table == REDSHIFT and fp.prior.upper is not None]
        table = distance_table(cosmo, z_max=max([20.0, *(1.01 * u for u in uppers)]))
    return ComposedModel(model=model, groups=tuple(groups), layout=layout, factors=factors, free=tuple(free),
                         slots=tuple(slots), source_planes=planes, tracer=make_tracer(layout, factors, distances=table),
                         redshift_index=z_index)


def _redshift_index(model: ClusterModel, free, source_planes_z: dict[str, float], layout: TracerLayout,
                    groups: list[MassGroup]) -> dict[str, int]:
    """Source name → θ index of its free redshift. Refuses a free redshift that could move the last
    plane when a group's normalisation refers to it ("reference" kinds, NFWMCRLudlowSph)."""
    index = {fp.galaxy: i for i, fp in enumerate(free) if fp.table == REDSHIFT}
    if not index:
        return {}
    out = {r.attr_name: index[r.galaxy] for r in model.point if r.galaxy in index}
    free_names = set(out) | {n for n in source_planes_z if n.split(".")[0] in index}
    uses_last = [g.profile_class for lg, g in zip(layout.groups, groups, strict=True)
                 if lg.kind == "reference" or g.profile_class == "NFWMCRLudlowSph"]
    if uses_last:
        z_fixed = max([g.redshift for g in layout.groups]
                      + [z for n, z in source_planes_z.items() if n not in free_names])
        for i in sorted(set(index.values())):
            fp = free[i]
            top = max(np.inf if fp.prior.upper is None else fp.prior.upper,
                      model.galaxies[fp.galaxy].redshift)
            if top > z_fixed:
                raise ValueError(
                    f"{fp.prior.source}: the free redshift of {fp.galaxy!r} may reach {top:g}, behind "
                    f"every fixed plane (last at z = {z_fixed:g}); {uses_last[0]} is normalised to the "
                    f"last plane, which must not move: set upper (and the table redshift) <= {z_fixed:g}, "
                    "fix this redshift, or hold the last plane with a galaxy at a fixed redshift behind it "
                    f"(a light.csv row of intensity 0 at z >= {top:g}, as import-lenstool writes)")
    return out


def _slots(free, groups: list[MassGroup]) -> list[_Slot]:
    index_of_row: dict[tuple[str, str], tuple[int, int]] = {}
    tier_group: dict[str, int] = {}
    for g, group in enumerate(groups):
        if group.relation is None:
            for k, row in enumerate(group.rows):
                index_of_row[row.key] = (g, k)
        else:
            tier_group[group.relation.tier] = g
    slots = []
    for i, fp in enumerate(free):
        if fp.table == "scaling_relations":
            if fp.galaxy in tier_group:
                slots.append(_Slot(i, tier_group[fp.galaxy], fp.column))
        elif fp.table == "mass":
            g, k = index_of_row[(fp.galaxy, fp.attr_name)]
            if groups[g].profile_class in BUILD_TIME_CONVERTED:
                raise ValueError(f"{fp.prior.source}: {fp.name} cannot be free: {groups[g].profile_class} "
                                 "converts mass_at_200 to NFW parameters at build time; fit an NFWSph "
                                 "(kappa_s, scale_radius) or a dPIEMass halo instead")
            slots.append(_Slot(i, g, fp.column, (k,)))
    return slots

