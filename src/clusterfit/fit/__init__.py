"""Fitting: likelihoods, search, results, evaluation."""
