"""`personavlog batch`: one vlog per line of a JSONL jobs file, on local processes or a Ray cluster."""
