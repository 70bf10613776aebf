"""Pure JAX lensing physics: profiles, cosmology, tracer, image solver (float64).

Nothing here imports :mod:`clusterfit.tables`; both read :mod:`clusterfit.registry`.
"""

import jax

jax.config.update("jax_enable_x64", True)
