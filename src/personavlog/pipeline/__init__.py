"""The stage graph of a vlog: stages as objects, cached by the hash of their inputs, reviewed and rolled back.

`Pipeline` runs the stages in order (pipeline.py); `Stage` is what each one declares (stage.py); `ReviewLoop` and
`Review` are the feedback loop (review.py).
"""

from personavlog.pipeline.pipeline import Pipeline
from personavlog.pipeline.review import Review, ReviewLoop
from personavlog.pipeline.stage import RunContext, Stage

__all__ = ["Pipeline", "Review", "ReviewLoop", "RunContext", "Stage"]
