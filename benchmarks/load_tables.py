"""Benchmark: load a model folder of 10,000 members and 1,000 image rows (issue 2; target < 0.5 s).

    .venv/bin/python benchmarks/load_tables.py [--members N] [--images N] [--repeat R]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from clusterfit import example_folder, load_model
from clusterfit.tables.csvio import render_csv


def make_folder(folder: Path, n_members: int, n_images: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    shutil.copytree(example_folder(), folder, dirs_exist_ok=True)
    mag = rng.uniform(17, 24, n_members)
    members = [[float(y), float(x), float(10 ** (0.4 * (18 - m))), 0.3, float(m), f"m{i:05d}"]
               for i, (y, x, m) in enumerate(zip(rng.uniform(-90, 90, n_members),
                                                 rng.uniform(-90, 90, n_members), mag, strict=True))]
    (folder / "scaling_galaxies.csv").write_text(
        render_csv(["y", "x", "luminosity", "redshift", "mag", "id"], members))
    images = [[f"point_{i % 3}", float(rng.uniform(-40, 40)), float(rng.uniform(-40, 40)), 0.05,
               [1.5, 2.0, 3.0][i % 3]] for i in range(n_images)]
    (folder / "point_datasets.csv").write_text(
        render_csv(["name", "y", "x", "positions_noise", "redshift"], images))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        make_folder(folder, args.members, args.images)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model = load_model(folder)
            times.append(time.perf_counter() - t0)
        print(f"load_model: {len(model.scaling_galaxies)} members, {len(model.point_images)} image rows, "
              f"{len(model.profiles)} profiles")
        print(f"  best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s "
              f"over {args.repeat} runs (target < 0.5 s)")


if __name__ == "__main__":
    main()
