"""PyAutoLens objects of a model folder: galaxies, tracer, cosmology, point datasets (and back).

Free cells (empty in the tables) take the values of ``compose(model).vector_from_tables()`` (the table
value, or the prior median where the cell is empty); pass ``theta`` for another parameter vector.

Conventions that make a PyAutoLens tracer agree with ours (docs/autolens.md):

* PyAutoLens's ``Tracer`` treats every profile's deflection as the one to its **last** plane and
  rescales it for earlier planes; ``dPIEMass``, ``dPIEMassSph`` and ``NFWMCRLudlowSph`` fold their
  ``redshift_source`` into their normalisation when constructed. So they are built with
  ``redshift_object`` = the galaxy redshift and ``redshift_source`` = the redshift of our tracer's last
  plane (the highest of all lens and source planes), dPIE with ``H0``/``Om0`` = the model cosmology.
  Reference-normalised classes (``Isothermal``, ``NFWSph``, ``ExternalShear``...) mean the same in
  both codes because both tracers end on the same last plane (hence the empty source-plane galaxies).
* The tracer gets ``al.cosmo.FlatLambdaCDM(H0=, Om0=)`` of the model. Its defaults (``Tcmb0=2.7255`` K,
  ``Neff=3.046`` massless neutrinos, ``m_nu=0``) are our :class:`clusterfit.physics.cosmology.Cosmology`
  defaults, so distances agree to ~1e-7 relative (PyAutoLens takes Ω_γ h² = 2.469e-5, astropy 2.4728e-5).
  ``al.Tracer``'s own default (``Planck15``: H0 67.74, Ωm 0.3075, a 0.06 eV neutrino) would differ at 1e-3.

One difference remains that no constructor argument removes: PyAutoLens's ``NFWMCRLudlowSph``
converts ``mass_at_200`` to (κ_s, r_s) with its hard-wired ``Planck15`` (``autogalaxy/profiles/mass/
dark/mcr_util.py``, ``ludlow16_cosmology``) whatever the tracer's cosmology, while
:func:`clusterfit.model.compose` uses the model cosmology; the two halos then differ by ~1e-3 in κ_s
and r_s unless the model cosmology is Planck15 itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..registry import get_spec

if TYPE_CHECKING:  # pragma: no cover
    from ..model import ComposedModel
    from ..tables import ClusterModel, ProfileRow

__all__ = [
    "to_autolens_galaxies",
    "to_autolens_tracer",
    "to_autolens_point_datasets",
    "from_autolens_point_datasets",
    "autolens_cosmology",
    "resolved_model",
]

_MODULES = {"mass": "mp", "light": "lp", "point": "ps"}


def _al():
    import autolens

    return autolens


NOT_IN_AUTOLENS = {
    "NFWEllipticalPotential": ("Lenstool's NFW elliptical in the potential (profil 12); PyAutoLens's NFW is "
                               "elliptical in the convergence, a different halo",
                               "use a round NFWSph, or an NFW row (ell_comps) fitted again, before going to "
                               "PyAutoLens; keep NFWEllipticalPotential for clusterfit and Lenstool"),
}
"""Registry classes PyAutoLens has no counterpart of: (what it is, what to do)."""


def check_autolens_classes(model: ClusterModel) -> None:
    """Refuse a model with a class PyAutoLens does not have, naming the file and row."""
    rows = [(r.source, f"{r.galaxy}.{r.attr_name}", r.profile_class) for r in model.mass]
    rows += [(r.source, f"tier {r.tier!r}", r.profile_class) for r in model.scaling_relations]
    for source, name, cls in rows:
        if cls in NOT_IN_AUTOLENS:
            what, todo = NOT_IN_AUTOLENS[cls]
            raise ValueError(f"{source}: {name} is {cls} ({what}), which PyAutoLens does not have; {todo}")


def resolved_model(model: ClusterModel, theta=None, composed: ComposedModel | None = None
                   ) -> tuple[ComposedModel, ClusterModel, np.ndarray]:
    """(composed model, tables with every free cell filled from θ, θ); a class PyAutoLens does not have
    is refused first (:func:`check_autolens_classes`).

    θ defaults to ``composed.vector_from_tables()``; ``composed`` defaults to ``compose(model)``."""
    check_autolens_classes(model)
    if composed is None:
        from ..model import compose

        composed = compose(model)
    theta = composed.vector_from_tables() if theta is None else np.asarray(theta, dtype=float)
    return composed, composed.with_vector(theta), theta


def autolens_cosmology(model: ClusterModel, match_astropy: bool = False):
    """``al.cosmo.FlatLambdaCDM`` with the model's H0 and Om0.

    By default with PyAutoLens's radiation defaults (T_cmb = 2.7255 K, N_eff = 3.046, no massive
    neutrinos: ours too), which it evaluates with Ω_γ h² = 2.469e-5 and Ω_ν = 0.2271 N_eff Ω_γ; that is
    the cosmology every dPIE builds from its ``H0``/``Om0``, so the tracer is self-consistent.
    astropy (our :class:`~clusterfit.physics.cosmology.Cosmology`) uses the exact Ω_γ h² = 2.4730e-5
    and 0.22710732 N_eff: distance ratios differ by 7e-8 – 2e-7. ``match_astropy=True`` scales
    ``Tcmb0`` and ``Neff`` so that PyAutoLens's distances equal ours to ~1e-9 (profiles that fold a
    cosmology in at construction keep PyAutoLens's constants)."""
    H0, Om0 = model.cosmology.H0, model.cosmology.Om0
    if not match_astropy:
        return _al().cosmo.FlatLambdaCDM(H0=H0, Om0=Om0)
    from ..physics.cosmology import Cosmology

    exact = Cosmology(H0, Om0).astropy
    ogamma_h2 = exact.Ogamma0 * (H0 / 100.0) ** 2
    nu_per_species = exact.Onu0 / exact.Ogamma0 / exact.Neff
    return _al().cosmo.FlatLambdaCDM(H0=H0, Om0=Om0, Tcmb0=2.7255 * (ogamma_h2 / 2.469e-5) ** 0.25,
                                     Neff=exact.Neff * nu_per_species / 0.2271)


def _profile_class(al, family: str, name: str):
    cls = getattr(getattr(al, _MODULES[family]), name, None)
    if cls is None:
        raise KeyError(f"PyAutoLens has no {family} profile {name!r} (al.{_MODULES[family]}.{name})")
    return cls


def _kwargs(profile_class: str, family: str, values: dict[str, Any], redshift: float | None,
            z_last: float, model: ClusterModel, where: str) -> dict[str, Any]:
    """Constructor keywords of a PyAutoLens profile from CSV-column values."""
    spec = get_spec(profile_class, family)
    out: dict[str, Any] = {}
    for p in spec.parameters:
        if p.bookkeeping:
            out[p.name] = {"redshift_object": redshift, "redshift_source": z_last,
                           "H0": model.cosmology.H0, "Om0": model.cosmology.Om0}[p.name]
            continue
        cells = [values.get(c) for c in p.columns]
        if any(v is None for v in cells):
            raise ValueError(f"{where}: no value for {p.name!r} ({', '.join(p.columns)})")
        out[p.name] = tuple(float(v) for v in cells) if p.is_tuple else float(cells[0])
    return out


def _row_profile(al, row: ProfileRow, redshift: float | None, z_last: float, model: ClusterModel):
    cls = _profile_class(al, row.family, row.profile_class)
    where = f"{row.source} ({row.galaxy}.{row.attr_name})"
    return cls(**_kwargs(row.profile_class, row.family, row.values, redshift, z_last, model, where))


def to_autolens_galaxies(model: ClusterModel, theta=None, composed: ComposedModel | None = None
                         ) -> dict[str, Any]:
    """``{galaxy name: al.Galaxy}`` of every galaxy of ``model`` and every scaling-tier member.

    Explicit galaxies come first (in order of first appearance across mass, light, point rows), then
    members ``<tier>_<i>`` tier by tier. Each profile becomes the attribute named by its ``attr_name``;
    members carry ``mass``. ``theta`` (default: the table values) fills free cells and relation
    parameters; ``composed`` reuses an existing ``compose(model)``.
    """
    al = _al()
    composed, filled, theta = resolved_model(model, theta, composed)
    z_last = float(composed.layout.plane_redshifts[-1])
    out: dict[str, Any] = {}
    for name, galaxy in filled.galaxies.items():
        z = galaxy.redshift
        if z is None:
            raise ValueError(f"galaxy {name!r} has no redshift")
        profiles = {attr: _row_profile(al, row, z, z_last, filled) for attr, row in galaxy.profiles.items()}
        out[name] = al.Galaxy(redshift=z, **profiles)

    params = None
    for g, src in enumerate(composed.groups):
        rel = src.relation
        if rel is None:
            continue
        if params is None:
            params = composed.group_params(theta)
        arrays = {c: np.asarray(v) for c, v in params[g].items()}
        cls = _profile_class(al, "mass", src.profile_class)
        z = float(src.redshift)
        for i in range(len(arrays["y"])):
            name = f"{rel.tier}_{i}"
            if name in out:
                raise ValueError(f"member galaxy name {name!r} clashes with a galaxy of the tables")
            values = {c: float(a[i]) for c, a in arrays.items()}
            kw = _kwargs(src.profile_class, "mass", values, z, z_last, filled,
                         f"{rel.source} (tier {rel.tier!r}, member {i})")
            out[name] = al.Galaxy(redshift=z, mass=cls(**kw))
    return out


def to_autolens_tracer(model: ClusterModel, theta=None, composed: ComposedModel | None = None,
                       galaxies: dict[str, Any] | None = None, match_astropy: bool = False):
    """``al.Tracer`` of ``model`` with the model cosmology, on the same planes as our tracer.

    Planes of our tracer that no galaxy occupies (e.g. a ``point_datasets.csv`` source redshift without
    a ``point.csv`` row) get an empty ``al.Galaxy``, so both tracers end on the same last plane.
    ``match_astropy``: see :func:`autolens_cosmology`."""
    al = _al()
    if composed is None:
        from ..model import compose

        composed = compose(model)
    if galaxies is None:
        galaxies = to_autolens_galaxies(model, theta, composed)
    listed = list(galaxies.values())
    occupied = {float(g.redshift) for g in listed}
    for z in composed.layout.plane_redshifts:
        if not any(abs(z - o) <= 1e-10 * max(1.0, z) for o in occupied):
            listed.append(al.Galaxy(redshift=float(z)))
    return al.Tracer(galaxies=listed, cosmology=autolens_cosmology(model, match_astropy))


def to_autolens_point_datasets(model: ClusterModel) -> list[Any]:
    """``point_datasets.csv`` as ``al.PointDataset`` objects (one per source name, images in file order).

    The redshift is the dataset's own, else that of the galaxy whose ``point.csv`` row has
    ``attr_name`` = the dataset name; fluxes and time delays are passed when every image has them."""
    al = _al()
    galaxies = model.galaxies
    points = {r.attr_name: r for r in model.point}
    out = []
    for ds in model.point_datasets:
        z = ds.redshift
        if z is None and ds.name in points:
            z = galaxies[points[ds.name].galaxy].redshift
        kw: dict[str, Any] = {}
        if ds.fluxes is not None and all(im.flux_noise is not None for im in ds.images):
            kw["fluxes"] = list(ds.fluxes)
            kw["fluxes_noise_map"] = [float(im.flux_noise) for im in ds.images]
        if ds.time_delays is not None and all(im.time_delay_noise is not None for im in ds.images):
            kw["time_delays"] = list(ds.time_delays)
            kw["time_delays_noise_map"] = [float(im.time_delay_noise) for im in ds.images]
        out.append(al.PointDataset(ds.name, positions=[tuple(p) for p in ds.positions],
                                   positions_noise_map=list(ds.positions_noise), redshift=z, **kw))
    return out


def from_autolens_point_datasets(datasets, model: ClusterModel | None = None):
    """``al.PointDataset`` objects → our ``point_datasets.csv`` rows (``tuple[PointImage, ...]``), or,
    with ``model``, that model with them as its datasets. Fluxes, time delays and redshift are kept
    where the dataset has them; a scalar noise map applies to every image."""
    from ..tables import PointImage

    def per_image(values, n):
        if values is None:
            return [None] * n
        arr = np.atleast_1d(np.asarray(getattr(values, "array", values), dtype=float))
        return [float(v) for v in (np.repeat(arr, n) if arr.size == 1 else arr)]

    images = []
    for d in datasets:
        pos = np.asarray(getattr(d.positions, "array", d.positions), dtype=float).reshape(-1, 2)
        n = len(pos)
        noise = per_image(d.positions_noise_map, n)
        flux, flux_noise = per_image(d.fluxes, n), per_image(d.fluxes_noise_map, n)
        delay, delay_noise = per_image(d.time_delays, n), per_image(d.time_delays_noise_map, n)
        z = None if d.redshift is None else float(d.redshift)
        images += [PointImage(d.name, float(y), float(x), noise[i], flux[i], flux_noise[i], delay[i],
                              delay_noise[i], z) for i, (y, x) in enumerate(pos)]
    return tuple(images) if model is None else model.replace(point_images=tuple(images))
