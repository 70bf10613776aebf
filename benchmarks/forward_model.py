"""Benchmark: the batched source-plane forward model vs PyAutoLens (issue 3, acceptance 3).

Clusters of N members (one dPIEMassSph scaling tier) + 2 main dPIE galaxies + a dPIE host halo at
z = 0.3; 100 image positions in 30 systems at 6 source redshifts; 10 free parameters. For each N:

(a) compile: jit-compile time of the batched forward model, ``jax.vmap`` of
    ``ComposedModel.source_plane_yx`` (every image traced to its own source plane) over chunks of 8 θ,
    ``lax.map`` over the chunks of a batch of 64 (``--chunk``), from ``jit(...).lower(...).compile()``;
(b) steady state: parameter vectors per second and time per vector (median of repeated batches), and
    the time per vector of one plain ``vmap`` over the whole batch (XLA:CPU materialises the
    (batch, members, images) intermediates of a group's sum, so large batches fall out of cache);
(c) PyAutoLens (numpy path, ``PYAUTO_DISABLE_JAX=1``), one parameter vector: build the galaxies and
    ``al.Tracer`` from the parameter values (as a search does for each sample) and trace the 100 images
    (``tracer.traced_grid_2d_list_from``, all planes in one call: the cheapest of its source-plane paths);
(d) the ratio (c) / (b) per vector; (d') the same against their tracing alone (tracer already built).

    .venv/bin/python benchmarks/forward_model.py [--members 10 100 300 1000] [--batch 64]

Our timings run first, with JAX's persistent compilation cache off (PyAutoLens's import turns one on).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import jax
import numpy as np

from clusterfit import load_model, save_model
from clusterfit.model import compose
from clusterfit.tables import (
    ClusterModel,
    PointImage,
    PriorRow,
    ProfileRow,
    ScalingGalaxy,
    ScalingRelation,
)

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_enable_compilation_cache", False)

Z_LENS = 0.3
Z_SOURCES = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
N_SYSTEMS = 30
N_IMAGES = 100


def cluster_model(n_members: int, seed: int = 7) -> ClusterModel:
    """The benchmark cluster as tables (tables API only)."""
    rng = np.random.default_rng(seed)

    def dpie(galaxy, y, x, e, angle, sigma, r_core, r_cut):
        return ProfileRow("mass", galaxy, "mass", "dPIEMass",
                          {"y": y, "x": x, "ellipticity": e, "angle_pos": angle, "sigma": sigma,
                           "r_core": r_core, "r_cut": r_cut}, Z_LENS)

    mass = (dpie("halo", 1.0, -2.0, 0.3, 35.0, 900.0, 6.0, 1000.0),
            dpie("lens_0", 0.0, 0.0, 0.2, 40.0, 350.0, 0.2, 60.0),
            dpie("lens_1", 18.0, -14.0, 0.15, 120.0, 280.0, 0.15, 40.0))
    mags = rng.uniform(17.5, 23.0, n_members)
    members = tuple(
        ScalingGalaxy(float(y), float(x), float(10 ** (0.4 * (18.0 - m))), Z_LENS,
                      {"mag": float(m), "id": f"m{i:04d}"})
        for i, (y, x, m) in enumerate(zip(rng.uniform(-60, 60, n_members),
                                          rng.uniform(-60, 60, n_members), mags, strict=True)))
    relation = ScalingRelation("members", "dPIEMassSph", 1.0,
                               {"sigma_ref": 160.0, "sigma_exponent": 0.25, "r_core_ref": 0.05,
                                "r_core_exponent": 0.5, "r_cut_ref": 15.0, "r_cut_exponent": 0.5},
                               Z_LENS)
    # 30 systems, 100 images (10 quads, 20 triples), source redshifts round-robin over 6 planes
    images = []
    for s in range(N_SYSTEMS):
        for _ in range(4 if s < 10 else 3):
            y, x = rng.uniform(-40, 40, 2)
            images.append(PointImage(f"sys_{s:02d}", float(y), float(x), 0.05,
                                     redshift=Z_SOURCES[s % len(Z_SOURCES)]))
    assert len(images) == N_IMAGES
    priors = (
        PriorRow("halo", "mass", "centre", "Gaussian", mean=0.0, sigma=3.0),
        PriorRow("halo", "mass", "ellipticity", "Uniform", 0.0, 0.7),
        PriorRow("halo", "mass", "angle_pos", "Uniform", 0.0, 180.0),
        PriorRow("halo", "mass", "sigma", "Uniform", 600.0, 1200.0),
        PriorRow("halo", "mass", "r_core", "Uniform", 1.0, 15.0),
        PriorRow("lens_*", "mass", "sigma", "Uniform", 100.0, 600.0),
        PriorRow("members", "scaling", "sigma_ref", "Uniform", 80.0, 300.0),
        PriorRow("members", "scaling", "r_cut_ref", "LogUniform", 2.0, 100.0),
    )
    return ClusterModel(mass=mass, point_images=tuple(images), scaling_galaxies=members,
                        scaling_relations=(relation,), priors=priors)


def load_composed(n_members: int, folder: Path):
    """Write the tables, read them back (validated), compose."""
    save_model(cluster_model(n_members), folder)
    model = load_model(folder)
    return model, compose(model)


def images_of(model: ClusterModel, composed):
    ys, xs, planes = [], [], []
    for ds in model.point_datasets:
        for im in ds.images:
            ys.append(im.y)
            xs.append(im.x)
            planes.append(composed.plane_of(ds))
    return np.array(ys), np.array(xs), np.array(planes)


def thetas(composed, batch: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([np.asarray(composed.priors.transform(u)) for u in rng.uniform(0.05, 0.95,
                                                                                    (batch, len(composed.free)))])


def batched_forward(composed, y, x, plane, chunk: int | None):
    """θ (batch, k) → source-plane (β_y, β_x), each (batch, n_images). ``chunk``: vmap over chunks of
    that many θ in sequence (``lax.map(batch_size=)``), so the (chunk, members, images) intermediates
    that XLA:CPU materialises stay in cache; ``None``: one ``vmap`` over the whole batch."""
    def forward(theta):
        return composed.source_plane_yx(theta, y, x, plane)

    if chunk is None:
        return forward, jax.jit(jax.vmap(forward))
    return forward, jax.jit(lambda thetas: jax.lax.map(forward, thetas, batch_size=chunk))


def time_ours(composed, y, x, plane, batch: int, chunk: int | None, min_time: float = 1.5) -> dict:
    forward, batched = batched_forward(composed, y, x, plane, chunk)
    th = thetas(composed, batch)
    t0 = time.perf_counter()
    lowered = batched.lower(th)
    t1 = time.perf_counter()
    compiled = lowered.compile()
    t2 = time.perf_counter()
    jax.block_until_ready(compiled(th))  # first run (allocations)
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or len(times) < 5:
        th_i = th + 1e-9 * len(times)
        t = time.perf_counter()
        jax.block_until_ready(compiled(th_i))
        times.append(time.perf_counter() - t)
    per_batch = statistics.median(times)
    # agreement with one unbatched evaluation (guards against timing a wrong function)
    by, bx = compiled(th)
    ey, ex = jax.jit(forward)(th[3])
    assert np.allclose(np.asarray(by[3]), np.asarray(ey), atol=1e-10)
    assert np.allclose(np.asarray(bx[3]), np.asarray(ex), atol=1e-10)
    jaxpr_eqns = len(jax.make_jaxpr(forward)(th[0]).jaxpr.eqns)
    return {"trace_s": t1 - t0, "compile_s": t2 - t1, "per_vector_s": per_batch / batch,
            "per_s": batch / per_batch, "jaxpr_eqns": jaxpr_eqns}


def autolens_builder(al, model: ClusterModel, composed, theta):
    """A function that builds the PyAutoLens galaxies + tracer from plain parameter values, as
    ``af.Model.instance_from_vector`` does in a search; values are computed outside the timing."""
    from clusterfit.interop.autolens import autolens_cosmology

    filled = composed.with_vector(theta)
    z_last = composed.layout.plane_redshifts[-1]
    h0, om0 = model.cosmology.H0, model.cosmology.Om0
    explicit = [(r.galaxy, {"centre": (r.values["y"], r.values["x"]),
                            **{k: r.values[k] for k in ("ellipticity", "angle_pos", "sigma", "r_core",
                                                        "r_cut")}})
                for r in filled.mass]
    tier = {k: np.asarray(v) for k, v in composed.group_params(theta)[-1].items()}
    members = [{"centre": (float(tier["y"][i]), float(tier["x"][i])), "sigma": float(tier["sigma"][i]),
                "r_core": float(tier["r_core"][i]), "r_cut": float(tier["r_cut"][i])}
               for i in range(len(tier["y"]))]

    def build():
        bookkeeping = {"redshift_object": Z_LENS, "redshift_source": z_last, "H0": h0, "Om0": om0}
        galaxies = [al.Galaxy(redshift=Z_LENS, mass=al.mp.dPIEMass(**kw, **bookkeeping))
                    for _, kw in explicit]
        galaxies += [al.Galaxy(redshift=Z_LENS, mass=al.mp.dPIEMassSph(**kw, **bookkeeping))
                     for kw in members]
        galaxies += [al.Galaxy(redshift=z) for z in Z_SOURCES]
        return al.Tracer(galaxies=galaxies, cosmology=autolens_cosmology(model))

    return build


def time_autolens(al, model, composed, y, x, plane, repeats: int) -> dict:
    from clusterfit.interop.autolens import to_autolens_tracer

    theta = thetas(composed, 1)[0]
    build = autolens_builder(al, model, composed, theta)
    grid = al.Grid2DIrregular(np.stack([y, x], axis=1))
    # the hand-built tracer equals the bridge's, and agrees with ours
    check = to_autolens_tracer(model, theta=theta, composed=composed).traced_grid_2d_list_from(grid=grid)
    traced = build().traced_grid_2d_list_from(grid=grid)
    ours_y, ours_x = composed.source_plane_yx(theta, y, x, plane)
    idx = np.arange(len(y))
    theirs = np.stack([np.asarray(traced[p])[i] for i, p in zip(idx, plane, strict=True)])
    bridge = np.stack([np.asarray(check[p])[i] for i, p in zip(idx, plane, strict=True)])
    assert np.abs(theirs - bridge).max() < 1e-12
    worst = float(np.hypot(theirs[:, 0] - np.asarray(ours_y), theirs[:, 1] - np.asarray(ours_x)).max())
    builds, traces = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        tracer = build()
        t1 = time.perf_counter()
        tracer.traced_grid_2d_list_from(grid=grid)
        t2 = time.perf_counter()
        builds.append(t1 - t)
        traces.append(t2 - t1)
    return {"build_s": statistics.median(builds), "trace_s": statistics.median(traces),
            "per_vector_s": statistics.median(builds) + statistics.median(traces),
            "worst": worst}


def import_autolens(scratch: Path):
    import logging

    os.environ.update(PYAUTO_DISABLE_JAX="1", PYAUTO_SKIP_FIT_OUTPUT="1",
                      PYAUTO_SKIP_VISUALIZATION="1", PYAUTO_SKIP_LATENTS="1")
    cwd, root = os.getcwd(), logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    os.chdir(scratch)
    try:
        import autolens
    finally:
        os.chdir(cwd)
        root.setLevel(level)
        root.handlers[:] = handlers
    return autolens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--members", type=int, nargs="+", default=[10, 100, 300, 1000])
    parser.add_argument("--batch", type=int, default=64, help="θ vectors per vmapped call")
    parser.add_argument("--chunk", type=int, default=8,
                        help="θ per vmapped chunk inside the batch (0: plain vmap of the whole batch)")
    parser.add_argument("--no-autolens", action="store_true", help="skip the PyAutoLens column")
    args = parser.parse_args()

    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({os.cpu_count()} CPUs); "
          f"batch {args.batch} (chunks of {args.chunk or args.batch}); {N_IMAGES} images, {N_SYSTEMS} systems, {len(Z_SOURCES)} source planes")
    scratch = Path(tempfile.mkdtemp(prefix="clusterfit_bench_"))
    setups, ours, plain = {}, {}, {}
    for n in args.members:
        model, composed = load_composed(n, scratch / f"cluster_{n}")
        y, x, plane = images_of(model, composed)
        setups[n] = (model, composed, y, x, plane)
        ours[n] = time_ours(composed, y, x, plane, args.batch, args.chunk or None)
        plain[n] = time_ours(composed, y, x, plane, args.batch, None) if args.chunk else ours[n]
        r = ours[n]
        print(f"  ours N={n}: trace {r['trace_s']:.2f} s, compile {r['compile_s']:.2f} s, "
              f"{r['per_vector_s'] * 1e6:.1f} µs/vector (plain vmap {plain[n]['per_vector_s'] * 1e6:.1f}), "
              f"jaxpr {r['jaxpr_eqns']} eqns", flush=True)
    theirs = {}
    if not args.no_autolens:
        al = import_autolens(scratch)
        for n in args.members:
            repeats = {10: 20, 100: 10, 300: 5}.get(n, 3)
            theirs[n] = time_autolens(al, *setups[n], repeats=repeats)
            r = theirs[n]
            print(f"  PyAutoLens N={n}: build {r['build_s'] * 1e3:.1f} ms + trace {r['trace_s'] * 1e3:.1f} ms "
                  f"(worst |Δβ| vs ours {r['worst']:.1e} arcsec)", flush=True)

    print()
    print("| members | (a) compile [s] (trace + XLA) | (b) vectors/s | (b) time/vector | "
          "(b) plain vmap | "
          "(c) PyAutoLens time/vector (build + trace) | (d) speed-up | (d') vs their trace alone |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.members:
        o = ours[n]
        row = (f"| {n} | {o['trace_s'] + o['compile_s']:.2f} ({o['trace_s']:.2f} + {o['compile_s']:.2f}) | "
               f"{o['per_s']:,.0f} | {o['per_vector_s'] * 1e6:,.1f} µs | "
               f"{plain[n]['per_vector_s'] * 1e6:,.1f} µs |")
        if n in theirs:
            t = theirs[n]
            row += (f" {t['per_vector_s'] * 1e3:,.1f} ms ({t['build_s'] * 1e3:,.1f} + "
                    f"{t['trace_s'] * 1e3:,.1f}) | {t['per_vector_s'] / o['per_vector_s']:,.0f}× | "
                    f"{t['trace_s'] / o['per_vector_s']:,.0f}× |")
        else:
            row += " – | – | – |"
        print(row)


if __name__ == "__main__":
    main()
