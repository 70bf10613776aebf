"""Time per θ of the source-plane log-likelihood on Abell 2744 (issue 19: dPIE and Jacobian speed).

    .venv/bin/clusterfit import-lenstool tests/data/lenstool/a2744/best.par \\
        --images tests/data/lenstool/a2744/A2744_SLspec.par -o a2744
    .venv/bin/python benchmarks/likelihood_a2744.py a2744

The imported folder has no priors; six are written into a copy (O1 ellipticity, σ, r_core; O2 σ, angle;
O4 σ) so that the likelihood depends on θ (with none, XLA hoists the whole model out of the batch). A batch
of 64 θ near the published values; prints log L and the best of 5 batches, CPU and wall time per θ.
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from clusterfit import load_model
from clusterfit.fit.likelihood import make_log_likelihood, point_data
from clusterfit.model import compose

PRIORS = """galaxy,attr_name,parameter,prior,lower,upper,mean,sigma
O1,mass,ellipticity,Uniform,0.5,0.9,,
O1,mass,sigma,Uniform,500.0,700.0,,
O1,mass,r_core,Uniform,10.0,25.0,,
O2,mass,sigma,Uniform,600.0,900.0,,
O2,mass,angle_pos,Uniform,20.0,70.0,,
O4,mass,sigma,Uniform,300.0,400.0,,
"""

parser = argparse.ArgumentParser()
parser.add_argument("folder")
args = parser.parse_args()
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp) / "a2744"
    shutil.copytree(args.folder, folder)
    (folder / "priors.csv").write_text(PRIORS)
    composed = compose(load_model(folder))
theta = composed.vector_from_tables()
ll = make_log_likelihood(composed)
thetas = np.tile(theta, (64, 1)) * (1 + 1e-3 * np.random.default_rng(0).standard_normal((64, len(theta))))
t0 = time.perf_counter()
value = ll(thetas)
first = time.perf_counter() - t0
runs = []
for _ in range(5):
    t0, c0 = time.perf_counter(), time.process_time()
    ll(thetas)
    runs.append((time.process_time() - c0, time.perf_counter() - t0))
cpu, wall = min(runs)
print(f"A2744: {sum(len(next(iter(g.base.values()))) for g in composed.groups)} mass profiles, "
      f"{len(point_data(composed).y)} images, {len(theta)} free; log L(θ0) = {value[0]:.6f}; first call "
      f"{first:.1f} s; per θ {1e3 * cpu / 64:.2f} ms CPU, {1e3 * wall / 64:.2f} ms wall (batch 64, best of 5)")
