"""Errors the user can act on. The CLI prints them as one line; nothing else reaches the terminal as a traceback."""


class PersonaVlogError(Exception):
    """Base class: its message is a complete, one-line explanation for the user."""

    exit_code = 1


class InputError(PersonaVlogError):
    """The request itself is wrong (bad reference image, empty theme, ...): exit status 2."""

    exit_code = 2


class StageError(PersonaVlogError):
    """A stage could not produce a valid result after its retries."""

    def __init__(self, stage: str, message: str):
        super().__init__(f"{stage}: {message}")
        self.stage = stage
