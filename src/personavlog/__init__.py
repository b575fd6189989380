"""PersonaVlog: a theme, a reference photo and a style in; a personalized vlog out.

from personavlog import VlogRequest, make_vlog
manifest = make_vlog(VlogRequest(theme="a rainy afternoon in a Paris café", reference="me.jpg"), "out/cafe")
"""

from personavlog.api import make_vlog, plan_vlog, redo_shot, resume_vlog
from personavlog.schema import VlogRequest

__all__ = ["VlogRequest", "make_vlog", "plan_vlog", "redo_shot", "resume_vlog"]
__version__ = "0.1.0"
