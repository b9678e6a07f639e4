"""Policy knowledge: county data files, the calculator, answer templates (imports neither bot
nor intents)."""

from policy_faq.registry import (
    PolicyDataError,
    Registry,
    UnknownCounty,
    default_registry,
    load_file,
    load_registry,
)

__all__ = ["PolicyDataError", "Registry", "UnknownCounty", "default_registry", "load_file",
           "load_registry"]
