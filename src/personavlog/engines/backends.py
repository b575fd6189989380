"""The built-in engine backends, as the registry knows them (pyproject.toml declares each as an entry point).

This module imports no engine: each record names its engine class by path, imported when a run creates one.
"""

from __future__ import annotations

from personavlog.backends.record import Backend
from personavlog.engines.settings import (
    DiffusersModel,
    KeyframeDiffusers,
    KokoroJaSettings,
    MidiSettings,
    MotionDiffusers,
    MusicgenSettings,
    OpenAISpeechSettings,
)
from personavlog.fsutil import sha256_file


def _model(options: DiffusersModel | MusicgenSettings) -> dict[str, str]:
    return {"model": str(options.model)}


def _model_and_voice(options: OpenAISpeechSettings) -> dict[str, str]:
    return {"model": options.model, "voice": options.voice or "alloy"}


def _voice_and_speed(options: KokoroJaSettings) -> dict[str, str]:
    return {"model": "kokoro-82m-int8", "voice": options.voice, "speed": f"{options.speed:g}"}


def _soundfont(options: MidiSettings) -> dict[str, str]:
    """A configured soundfont's name and content hash (the bundled default adds nothing, so old runs stay cached)."""
    if options.soundfont is None:
        return {}
    return {"soundfont": f"{options.soundfont.name} sha256:{sha256_file(options.soundfont)[:16]}"}


ANIMATIC = Backend(role="visual", name="animatic", engine="personavlog.engines.visual.animatic.engine:AnimaticEngine")
ANIMATIC_KEYFRAMES = Backend(
    role="keyframe", name="animatic", engine="personavlog.engines.visual.composed:AnimaticKeyframes"
)
CAMERA_MOTION = Backend(role="motion", name="animatic", engine="personavlog.engines.visual.composed:CameraMotion")
DIFFUSERS_KEYFRAMES = Backend(
    role="keyframe",
    name="diffusers",
    engine="personavlog.engines.visual.diffusers.keyframe:DiffusersKeyframeEngine",
    options=KeyframeDiffusers,
    describe=_model,
)
DIFFUSERS_MOTION = Backend(
    role="motion",
    name="diffusers",
    engine="personavlog.engines.visual.diffusers.motion:DiffusersMotionEngine",
    options=MotionDiffusers,
    describe=_model,
)
PIPER = Backend(role="speech", name="piper", engine="personavlog.engines.speech.piper_engine:PiperSpeechEngine")
KOKORO_JA = Backend(
    role="speech",
    name="kokoro_ja",
    engine="personavlog.engines.speech.kokoro_ja_engine:KokoroJapaneseSpeechEngine",
    options=KokoroJaSettings,
    describe=_voice_and_speed,
)
OPENAI_SPEECH = Backend(
    role="speech",
    name="openai",
    engine="personavlog.engines.speech.openai_speech:OpenAISpeechEngine",
    options=OpenAISpeechSettings,
    describe=_model_and_voice,
)
MIDI = Backend(
    role="music",
    name="midi",
    engine="personavlog.engines.music.engine:MidiMusicEngine",
    options=MidiSettings,
    describe=_soundfont,
)
MUSICGEN = Backend(
    role="music",
    name="musicgen",
    engine="personavlog.engines.music.musicgen:MusicgenEngine",
    options=MusicgenSettings,
    describe=_model,
)
