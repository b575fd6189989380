"""The web studio and REST API (`personavlog serve`): a persistent job queue in front of the pipeline."""
