"""clusterfit."""
