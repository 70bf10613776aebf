"""clusterfit: strong-lensing mass models of galaxy clusters in which a folder of CSV tables is the model.

Flat public namespace: ``clusterfit.load_model``, ``clusterfit.save_model``, ``clusterfit.validate_folder``,
``clusterfit.example_folder``.
"""

from .examples import example_folder
from .tables import (
    ClusterModel,
    CsvError,
    CsvErrors,
    load_model,
    save_model,
    validate_folder,
)

__all__ = [
    "ClusterModel", "CsvError", "CsvErrors", "example_folder", "load_model", "save_model",
    "validate_folder",
]
__version__ = "0.1.0"
