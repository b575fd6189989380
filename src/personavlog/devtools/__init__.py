"""Developer tools: helpers for tests, demos and benchmarks that a vlog run never uses."""
