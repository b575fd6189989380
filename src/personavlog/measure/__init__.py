"""Measurements of what a run produced: identity, image and motion quality, speech, caption sync, music, relevance.

The critics, the planning agents and the ThemeVlogEval benchmark all measure with these same functions. They
depend only on the schema, media reading and third-party models, never on the code that calls them.
"""
