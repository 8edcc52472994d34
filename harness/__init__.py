"""Real processes and artifacts shared by the tests and the benchmarks (not part of the service)."""
