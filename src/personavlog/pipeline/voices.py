"""Which voice speaks a request's language: the configured one, or by default the installed voice that speaks it."""

from __future__ import annotations

from personavlog.backends import engine_class
from personavlog.backends.registry import available_backends
from personavlog.backends.sections import DEFAULT_BACKENDS, speech_options
from personavlog.config import Settings
from personavlog.errors import InputError


def primary_language(language: str) -> str:
    """`ja-JP` -> `ja`."""
    return language.split("-")[0].split("_")[0].lower()


def installed_voices() -> dict[str, tuple[str, ...] | None]:
    """Every installed speech backend and the languages it speaks (None: whatever its server speaks)."""
    voices: dict[str, tuple[str, ...] | None] = {}
    for name in available_backends("speech"):
        try:
            cls = engine_class("speech", name)
        except (InputError, ImportError, TypeError):  # a broken plugin speaks nothing
            continue
        installed = getattr(cls, "installed", None)
        if callable(installed) and not installed():
            continue
        languages = getattr(cls, "languages", None)
        voices[name] = None if languages is None else tuple(languages)
    return voices


def _listing(voices: dict[str, tuple[str, ...] | None]) -> str:
    return ", ".join(
        f"{name}: {'/'.join(languages) if languages is not None else 'what its server speaks'}"
        for name, languages in voices.items()
    )


def settings_for_language(settings: Settings, language: str) -> Settings:
    """`settings` with a voice that speaks `language`, or an InputError that lists what each installed voice speaks.

    A `[speech]` section (or PERSONAVLOG_SPEECH__*) the user set is kept as it is; without one, the default voice
    is used when it speaks the language, else the first installed voice that says it does.
    """
    wanted = primary_language(language)
    voices = installed_voices()
    configured = settings.speech.backend
    if "speech" in settings.model_fields_set or configured != DEFAULT_BACKENDS["speech"]:
        languages = voices.get(configured, getattr(engine_class("speech", configured), "languages", None))
        if languages is None or wanted in languages:
            return settings
        raise InputError(
            f"the {configured} voice speaks {'/'.join(languages)} only, not {language!r} "
            f"(installed voices: {_listing(voices)}); choose another --language or [speech] backend"
        )
    speaking = [name for name, languages in voices.items() if languages is not None and wanted in languages]
    if configured in speaking:
        return settings
    if not speaking:
        spoken = sorted({code for languages in voices.values() if languages for code in languages})
        raise InputError(
            f"no installed voice speaks {language!r} (installed voices: {_listing(voices)}); "
            f"choose --language {' or '.join(spoken) or 'en'} or configure a speech backend that speaks it"
        )
    return settings.model_copy(update={"speech": speech_options(speaking[0])})
