"""What a run directory becomes outside PersonaVlog: its contact sheet and its editable OpenTimelineIO timeline.

Each module reads a run directory (manifest, files, captions) and hands compose/ what to draw or build.
"""
