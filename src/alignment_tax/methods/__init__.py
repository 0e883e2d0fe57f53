"""A grid cell's model as every benchmark sees it: weights (models/) plus what its method
(debias/) changes at inference. Neither models/ nor debias/ imports this package."""
