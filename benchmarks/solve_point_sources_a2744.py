"""The predicted images of every ``point.csv`` source of Abell 2744 (issue 19: the images.reg of
``clusterfit maps``): ``solve_point_sources`` (one ``ImageSolver.solve_planes`` call: the level-0 tiling
ray-traced once for every source plane of this one-lens-plane model) against one ``solve`` per source
plane (what it did before). Kernels are compiled before timing; prints wall and CPU seconds of each
(CPU time is the fairer figure on a busy machine), the image counts and the largest position difference.

    .venv/bin/clusterfit import-lenstool tests/data/lenstool/a2744/best.par \\
        --images tests/data/lenstool/a2744/A2744_SLspec.par -o a2744
    .venv/bin/python benchmarks/solve_point_sources_a2744.py a2744
"""

import sys
import time

import numpy as np

from clusterfit import load_model
from clusterfit.model import compose
from clusterfit.physics.solver import make_image_solver
from clusterfit.simulate.point import solve_point_sources

composed = compose(load_model(sys.argv[1]))
theta = composed.vector_from_tables()
c = composed.at(theta)
model = c.with_vector(theta)
params = c.group_params(theta)
solver = make_image_solver(c.tracer)
row = model.point[0]
solver.solve(params, [row.values["y"]], [row.values["x"]], c.source_planes[row.attr_name])  # compile

t, c0 = time.perf_counter(), time.process_time()
new = solve_point_sources(composed, theta)
t_new, c_new = time.perf_counter() - t, time.process_time() - c0
print(f"solve_planes (all planes at once): wall {t_new:.1f} s, cpu {c_new:.1f} s", flush=True)

t, c0 = time.perf_counter(), time.process_time()
by_plane: dict[int, list] = {}
for r in model.point:
    by_plane.setdefault(c.source_planes[r.attr_name], []).append(r)
old = {}
for plane, rows in by_plane.items():
    solved = solver.solve(params, [r.values["y"] for r in rows], [r.values["x"] for r in rows], plane)
    old.update({r.attr_name: im for r, im in zip(rows, solved, strict=True)})
t_old, c_old = time.perf_counter() - t, time.process_time() - c0
print(f"one solve per plane ({len(by_plane)} planes, {len(model.point)} sources): wall {t_old:.1f} s, "
      f"cpu {c_old:.1f} s", flush=True)

counts = [(k, len(im.y), len(new[k][1].y)) for k, im in old.items() if len(im.y) != len(new[k][1].y)]
worst = 0.0
for k, im in old.items():
    jm = new[k][1]
    if len(im.y) == len(jm.y) and len(im.y):
        d = np.hypot(im.y[:, None] - jm.y[None, :], im.x[:, None] - jm.x[None, :]).min(1)
        worst = max(worst, float(d.max()))
print(f"images: {sum(len(v.y) for v in old.values())} per plane, {sum(len(v[1].y) for v in new.values())} "
      f"at once; sources with other counts: {counts or 'none'}; largest position difference {worst:.1e}″")
