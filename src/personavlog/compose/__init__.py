"""The composer: per-shot clips, voice lines and music become the finished vlog MP4 and its SRT."""

from personavlog.compose.audio_mix import MixSettings
from personavlog.compose.ducking import DuckingSettings
from personavlog.compose.render import compose_vlog
from personavlog.schema import ComposeReport

__all__ = ["ComposeReport", "DuckingSettings", "MixSettings", "compose_vlog"]
