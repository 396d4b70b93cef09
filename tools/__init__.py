"""Tools beside the application: the benchmark (tools.bench) and the reliability runs (tools.reliability)."""
