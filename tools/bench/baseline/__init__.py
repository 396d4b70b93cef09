"""The baseline of the benchmark: plain Django views (no DRF, no auth) reading the same rows."""
