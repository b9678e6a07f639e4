"""Place names: counties (slug, names, typos) and their townships, and a matcher over text.

`Lexicon.default()` reads policy_faq/counties/*.yaml (only the `county` block and task-table
township names) plus intents/data/counties.yaml (extra spellings); it is built once and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from intents.normalize import normalize

_COUNTIES_DIR = Path(__file__).resolve().parent.parent / "policy_faq" / "counties"
_EXTRA = Path(__file__).with_name("data") / "counties.yaml"
_TOWN_SUFFIX = re.compile(r"(风景区|管委会|街道|乡|镇)$")
# Township stems that are everyday words: only the full name (with 镇/街道) counts.
_AMBIGUOUS_STEMS = {"车站", "联合", "全军", "城关", "西城", "青山", "双河", "和兴", "吴房"}
_SUFFIXES = "县区市"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class CountyNames:
    slug: str
    names: tuple[str, ...] | list[str] = ()
    townships: tuple[str, ...] | list[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "townships", tuple(self.townships))


@dataclass(frozen=True)
class PlaceHit:
    county: str | None
    township: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    counties: tuple[CountyNames, ...] | list[CountyNames] = ()
    _matcher: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "counties", tuple(self.counties))

    @classmethod
    def default(cls) -> Lexicon:
        return _default_lexicon()

    def slugs(self) -> list[str]:
        return [c.slug for c in self.counties]

    # -- matching ---------------------------------------------------------------------------
    def _compiled(self) -> tuple[re.Pattern[str] | None, dict[str, tuple[str | None, str | None]],
                                 list[tuple[str, str]]]:
        if not self._matcher:
            table: dict[str, tuple[str | None, str | None]] = {}
            fuzzy: list[tuple[str, str]] = []
            stems: dict[str, set[tuple[str, str]]] = {}
            for c in self.counties:
                for name in (c.slug, *c.names):
                    n = normalize(name)
                    if n:
                        table.setdefault(n, (c.slug, None))
                        if len(n) >= 3 and n[-1] in _SUFFIXES and not n.isascii():
                            fuzzy.append((n[-3:], c.slug))
                for town in c.townships:
                    n = normalize(town)
                    if not n:
                        continue
                    table[n] = (c.slug, town)
                    stem = _TOWN_SUFFIX.sub("", n)
                    if len(stem) >= 2 and stem != n and stem not in _AMBIGUOUS_STEMS:
                        stems.setdefault(stem, set()).add((c.slug, town))
            for stem, owners in stems.items():
                if stem in table:
                    continue
                counties = {slug for slug, _ in owners}
                if len(owners) == 1:
                    table[stem] = next(iter(owners))
                elif len(counties) == 1:  # same stem, two townships of one county
                    table[stem] = (next(iter(counties)), None)
            keys = sorted(table, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
            self._matcher.update(pattern=pattern, table=table, fuzzy=fuzzy)
        return self._matcher["pattern"], self._matcher["table"], self._matcher["fuzzy"]

    def find(self, text: str) -> list[PlaceHit]:
        """County/township mentions in normalised text, in order (longest name wins)."""
        pattern, table, fuzzy = self._compiled()
        hits: list[PlaceHit] = []
        if pattern is not None:
            for m in pattern.finditer(text):
                key = m.group()
                if key.isascii() and _inside_word(text, m.start(), m.end()):
                    continue
                slug, town = table[key]
                hits.append(PlaceHit(slug, town, m.start(), m.end()))
        if not hits and fuzzy:
            hits.extend(_fuzzy_county(text, fuzzy))
        return hits

    def county_of(self, name: str) -> str | None:
        """Slug for a county name as written (金寨, 屯留区, jinzhai, 长治市屯留区), else None."""
        hits = self.find(normalize(name))
        return hits[0].county if hits else None


def _inside_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum()) or (
        end < len(text) and text[end].isascii() and text[end].isalnum())


def _fuzzy_county(text: str, fuzzy: list[tuple[str, str]]) -> list[PlaceHit]:
    """One wrong character in a 3-character county name with its 县/区 (金宅县, 随平县)."""
    for i, ch in enumerate(text):
        if ch not in _SUFFIXES or i < 2:
            continue
        window = text[i - 2:i + 1]
        for name, slug in fuzzy:
            if name[-1] == ch and sum(a != b for a, b in zip(window, name, strict=True)) == 1:
                return [PlaceHit(slug, None, i - 2, i + 1)]
    return []


def _load_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)
        return data if isinstance(data, dict) else {}
    except (OSError, yaml.YAMLError):
        return {}  # a broken data file is reported by policy_faq's own loader


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    extra = _load_yaml(_EXTRA)
    names: dict[str, list[str]] = {}
    towns: dict[str, list[str]] = {}
    for path in sorted(_COUNTIES_DIR.glob("*.yaml")) if _COUNTIES_DIR.is_dir() else []:
        data = _load_yaml(path)
        county = data.get("county")
        if not isinstance(county, dict) or not county.get("slug"):
            continue
        slug = str(county["slug"])
        bucket = names.setdefault(slug, [])
        for key in ("name", "short", "full"):
            if county.get(key):
                bucket.append(str(county[key]))
        bucket.extend(str(a) for a in county.get("aliases") or [] if a)
        rows = (data.get("tasks") or {}).get("rows") if isinstance(data.get("tasks"), dict) else None
        for row in rows or []:
            if isinstance(row, dict) and row.get("township"):
                t = str(row["township"])
                if t not in towns.setdefault(slug, []):
                    towns[slug].append(t)
    for slug, spec in extra.items():
        if not isinstance(spec, dict):
            continue
        bucket = names.setdefault(slug, [])
        if not bucket:
            bucket.extend(spec.get("names") or [])
        bucket.extend(spec.get("typos") or [])
    counties = [CountyNames(slug, list(dict.fromkeys(n)), towns.get(slug, []))
                for slug, n in names.items()]
    return Lexicon(counties=counties)
