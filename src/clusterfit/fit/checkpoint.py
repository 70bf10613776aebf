"""The nautilus checkpoint of a fit: a fingerprint of the model and priors beside it, checked on resume.

``CHECKPOINT.h5`` is nautilus's own HDF5 file; ``CHECKPOINT.h5.json`` records what it was run on: hashes of
the model tables (data included) and of the priors, the likelihood and the sampler settings. Resuming with any
of them changed is refused with a message naming what changed; a checkpoint without its fingerprint is
refused too (nobody can tell what it belongs to). A damaged checkpoint (e.g. the process was killed while
nautilus wrote it) is handled in :func:`.nested.run_nautilus`: moved aside and the search restarted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..model import ComposedModel
from ..output import OutputError, check_writable_file, write_atomic
from ..tables.model import render_model

__all__ = ["fingerprint", "check_checkpoint", "fingerprint_path"]

_WHAT = {"model": "model tables or data", "priors": "priors", "likelihood": "likelihood",
         "sampler": "sampler settings (--n-live, --n-networks, --seed)"}


def fingerprint(composed: ComposedModel, likelihood: str, n_live: int, n_networks: int, n_batch: int,
                seed: int | None) -> dict:
    """What a checkpoint depends on: hashes of the tables (priors apart) and the run settings."""
    tables = render_model(composed.model)
    priors = tables.pop("priors.csv", "") + "\n".join(f"{p.name} {p.prior.describe()}" for p in composed.free)
    model = "\n".join(f"{name}\n{text}" for name, text in sorted(tables.items()))
    return {"model": hashlib.sha256(model.encode()).hexdigest(),
            "priors": hashlib.sha256(priors.encode()).hexdigest(),
            "likelihood": likelihood,
            "sampler": {"n_live": n_live, "n_networks": n_networks, "n_batch": n_batch, "seed": seed}}


def fingerprint_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".json")


def check_checkpoint(checkpoint: str | Path, fp: dict) -> Path:
    """Refuse a checkpoint path that cannot be used or belongs to another fit; record ``fp`` for a new one.

    Runs before any sampling."""
    path = Path(checkpoint)
    if path.suffix not in (".h5", ".hdf5"):
        raise OutputError(f"--checkpoint {path}: the file name must end in .h5 or .hdf5 (nautilus's HDF5 file)")
    check_writable_file(path, "checkpoint file")
    side = fingerprint_path(path)
    if path.exists():
        try:
            recorded = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise OutputError(f"{path} has no readable fingerprint ({side.name}), so it cannot be told which "
                              "model and priors it belongs to; delete it, or pass another --checkpoint "
                              "path") from None
        changed = [_WHAT[k] for k in _WHAT if recorded.get(k) != fp[k]]
        if changed:
            raise OutputError(f"{path} is the checkpoint of a fit with other {', '.join(changed)}; resuming it "
                              "would mix two fits. Delete it to start again, or pass another --checkpoint path")
    else:
        write_atomic(side, json.dumps(fp, indent=1) + "\n")
    return path
