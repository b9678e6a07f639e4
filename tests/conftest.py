"""Suite-wide settings: nothing a test runs may write the staff's unanswered-questions log in the
working tree (commands started as subprocesses inherit this environment)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("BOT_UNANSWERED_DB",
                      os.path.join(tempfile.mkdtemp(prefix="yibao-tests-"), "unanswered.sqlite3"))
