"""Session, dedupe and rate-limit storage behind one interface (`Store`).

`MemoryStore` is the default (one process, no services). A Redis store (issue 7) implements the
same interface so several workers behave as one.
"""

from bot.stores.base import Store
from bot.stores.memory import MemoryStore

__all__ = ["Store", "MemoryStore"]
