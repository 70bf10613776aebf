"""Time and peak memory of the maps of Abell 2744 (issue 19, acceptance 4).

    .venv/bin/clusterfit import-lenstool tests/data/lenstool/a2744/best.par \\
        --images tests/data/lenstool/a2744/A2744_SLspec.par -o a2744
    .venv/bin/python benchmarks/maps_a2744.py a2744 [--pixels 2.0 0.5 0.1]

Every field of ``clusterfit maps`` over 200″ at z = 2 for each pixel size; prints the wall time and the peak
resident memory of the process after each (the FITS writing, quick-look and DS9 regions are not timed). CPU
time (user + system, all threads) is printed too: on a busy machine it says more than the wall time.
"""

import argparse
import resource
import time

from clusterfit import load_model
from clusterfit.model import compose
from clusterfit.products.maps import compute_maps, map_grid

parser = argparse.ArgumentParser()
parser.add_argument("folder")
parser.add_argument("--pixels", type=float, nargs="+", default=[2.0, 0.5])
parser.add_argument("--fov", type=float, default=200.0)
args = parser.parse_args()
composed = compose(load_model(args.folder))
theta = composed.vector_from_tables()
print(f"{sum(len(next(iter(b.values()))) for b in (g.base for g in composed.groups))} mass profiles")
for pixel in args.pixels:
    grid = map_grid(args.fov, pixel)
    t0, c0 = time.perf_counter(), time.process_time()
    compute_maps(composed, theta, grid, 2.0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{grid.n}x{grid.n} pixels ({pixel}″): {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU; peak RSS {peak:.2f} GB", flush=True)
