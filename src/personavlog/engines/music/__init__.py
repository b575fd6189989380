"""Background music: a brief and the shot timing in, a mastered WAV (and optionally the MIDI score) out.

The embedded backend works in stages, one module each:
style (genre and mood -> playing habits), instruments (names -> General MIDI voices and parts),
theory (scales, chords, progressions, voice leading), arrangement (bar grid, sections from the energy
curve, a chord per bar), melody / accompaniment / drums (the parts), composer (all of it -> PrettyMIDI),
mixing (part levels), soundfont (TinySoundFont rendering), mastering (room, fades, peak level), engine.
"""

from personavlog.engines.music.base import SAMPLE_RATE, MusicEngine
from personavlog.engines.music.engine import MidiMusicEngine, MusicJob

__all__ = ["SAMPLE_RATE", "MidiMusicEngine", "MusicEngine", "MusicJob"]
