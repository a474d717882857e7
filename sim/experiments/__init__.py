"""Drivers that run the model: replicates (runner, local or Dask), paired comparisons, sweeps,
sensitivity, frontier, decomposition, fitting, calibration targets and validation."""
