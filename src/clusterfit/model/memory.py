"""Memory needed to evaluate a model's mass groups, estimated before any work starts.

The image solver, the plots and the imaging simulator evaluate deflections at ``ImageSolver._MAP_CHUNK``
positions at once; a group of n profiles then holds arrays of shape (n, positions). The bytes per
(profile × position) below are XLA's temporary buffers for that call, read from
``jax.jit(tracer.ray_trace).lower(...).compile().memory_analysis().temp_size_in_bytes`` with 2000 profiles
of the class at 16384 positions (float64, CPU): 120 B for dPIEMass, 24 B for dPIEMassSph, 33 B for NFWSph,
40 B for Isothermal. Other classes use the largest figure.
"""

from __future__ import annotations

import os

from ..physics.solver import ImageSolver

__all__ = ["BYTES_PER_PROFILE_POSITION", "map_memory_bytes", "available_memory_bytes", "check_memory"]

BYTES_PER_PROFILE_POSITION = {"dPIEMass": 120, "dPIEMassSph": 24, "NFWSph": 33, "NFWMCRLudlowSph": 33,
                              "Isothermal": 40}
_DEFAULT = max(BYTES_PER_PROFILE_POSITION.values())


def map_memory_bytes(group_sizes: dict[str, int], positions: int = ImageSolver._MAP_CHUNK) -> int:
    """Bytes of one deflection call at ``positions`` positions for ``group_sizes`` (class → profiles)."""
    return sum(BYTES_PER_PROFILE_POSITION.get(c, _DEFAULT) * n * positions for c, n in group_sizes.items())


def available_memory_bytes() -> int | None:
    """Free memory of the default JAX device (an accelerator's limit minus its use), else the host's
    available physical memory; ``None`` when unknown."""
    import jax

    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # noqa: BLE001 - some backends do not implement memory_stats
        stats = None
    if stats and "bytes_limit" in stats:
        return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(group_sizes: dict[str, int], where: str) -> None:
    """Refuse, before any work, a model whose deflection call would not fit in memory."""
    need = map_memory_bytes(group_sizes)
    free = available_memory_bytes()
    if free is None or need <= 0.8 * free:
        return
    n = sum(group_sizes.values())
    per_profile = need / n
    n_max = int(0.8 * free / per_profile)
    detail = ", ".join(f"{k} {c}" for c, k in group_sizes.items())
    raise ValueError(
        f"{where}: {n:,} mass profiles ({detail}) need about {need / 1e9:.1f} GB to evaluate "
        f"{ImageSolver._MAP_CHUNK:,} positions at once, more than the {free / 1e9:.1f} GB free here. Keep "
        f"at most about {n_max:,} profiles: cut the faintest members from scaling_galaxies.csv (their "
        "deflections are the smallest), or run on a machine with more memory")
