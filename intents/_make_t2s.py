"""Dev tool: regenerate intents/data/t2s.txt (traditional -> simplified single characters).

zhconv costs ~100 ms to import (it pulls in pkg_resources) and ~20 ms on first use; a plain
character table used with str.translate is instant and covers what residents type.
Run: python -m intents._make_t2s
"""

from __future__ import annotations

from pathlib import Path


def main() -> None:
    import zhconv  # only needed to rebuild the table

    table = zhconv.zhconv.getdict("zh-cn")
    pairs = sorted(
        (k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v
    )
    extra = [("著", "着")]  # zhconv maps 著 only in phrases
    out = Path(__file__).with_name("data") / "t2s.txt"
    out.write_text("".join(k + v for k, v in pairs + extra) + "\n", encoding="utf-8")
    print(f"wrote {len(pairs) + len(extra)} pairs to {out}")


if __name__ == "__main__":
    main()
