"""The agents: each is a prompt template, an output type and a function that returns a validated document.

Every writer takes the LLM client first and `feedback` (instructions from critics or the user) last among its
positional arguments; keyword-only `candidates` (samples to choose from) and `log` (an AgentCallLog that
collects every LLM call with its token counts) are optional.
"""

from personavlog.agents.base import AgentCall, AgentCallLog
from personavlog.agents.monologue import write_monologue
from personavlog.agents.music import write_music_brief
from personavlog.agents.persona import write_persona
from personavlog.agents.story import write_story
from personavlog.agents.storyboard import write_storyboard
from personavlog.agents.visual import write_visuals

__all__ = [
    "AgentCall",
    "AgentCallLog",
    "write_monologue",
    "write_music_brief",
    "write_persona",
    "write_story",
    "write_storyboard",
    "write_visuals",
]
