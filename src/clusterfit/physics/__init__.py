"""Pure JAX lensing physics: profiles, cosmology, tracer, image solver (float64: :mod:`clusterfit` sets
``jax_enable_x64`` when imported).

Nothing here imports :mod:`clusterfit.tables`; both read :mod:`clusterfit.registry`. The functions of
each profile class are in :mod:`clusterfit.physics.functions`.
"""
