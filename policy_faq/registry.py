"""Loading county data files and finding a county by any name residents and staff use."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from policy_faq.schema import CountyPolicy

COUNTIES_DIR = Path(__file__).parent / "counties"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyDataError(Exception):
    """A county data file that cannot be used; the message names the file, field and reason."""


class UnknownCounty(LookupError):
    def __init__(self, name: str, valid: list[str]):
        self.name, self.valid = name, valid
        super().__init__(f"unknown county {name!r}; valid: {', '.join(valid)}")


def _describe(error: ValidationError) -> str:
    errors = error.errors()
    lines = []
    for e in errors[:5]:
        field = ".".join(str(part) for part in e["loc"]) or "(top level)"
        lines.append(f"{field}: {e['msg']}")
    if len(errors) > 5:
        lines.append(f"... and {len(errors) - 5} more")
    return "; ".join(lines)


def load_file(path: Path) -> CountyPolicy:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as e:
        raise PolicyDataError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise PolicyDataError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        raise PolicyDataError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise PolicyDataError(f"{path}: expected a mapping at the top level")
    try:
        return CountyPolicy.model_validate(raw)
    except ValidationError as e:
        raise PolicyDataError(f"{path}: {_describe(e)}") from None


def _key(name: str) -> str:
    return "".join(name.split()).lower()


@dataclass(frozen=True)
class Registry:
    policies: tuple[CountyPolicy, ...]  # every file, oldest benefit year first within a county

    @property
    def counties(self) -> list[CountyPolicy]:
        """One policy per county (the newest benefit year), in file order."""
        newest: dict[str, CountyPolicy] = {}
        for p in self.policies:
            newest[p.county.slug] = p
        return list(newest.values())

    def names(self) -> list[str]:
        return [p.county.name for p in self.counties]

    @functools.cached_property
    def _index(self) -> dict[str, list[CountyPolicy]]:
        index: dict[str, list[CountyPolicy]] = {}
        for p in self.policies:
            keys = {p.county.slug, p.county.name, p.county.short, p.county.full, *p.county.aliases,
                    f"{p.county.slug}-{p.benefit_year}"}
            for k in keys:
                bucket = index.setdefault(_key(k), [])
                if p not in bucket:
                    bucket.append(p)
        return index

    def find(self, name: str, today: dt.date | None = None) -> CountyPolicy | None:
        """The county's policy for `name` (any accepted spelling). With several benefit years,
        the newest whose collection has started by `today` (the newest of all without `today`)."""
        candidates = self._index.get(_key(name or ""))
        if not candidates:
            return None
        if today is not None:
            started = [p for p in candidates if min(q.start for q in p.periods) <= today]
            if started:
                return started[-1]
            return candidates[0]
        return candidates[-1]

    def require(self, name: str, today: dt.date | None = None) -> CountyPolicy:
        policy = self.find(name, today)
        if policy is None:
            raise UnknownCounty(name, self.names())
        return policy


def load_registry(directory: Path = COUNTIES_DIR) -> Registry:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PolicyDataError(f"{directory}: no county data files (*.yaml)")
    policies = [load_file(f) for f in files]
    # Counties in the order of their notices (seed files), each county's years oldest first.
    policies.sort(key=lambda p: (p.document.seed, p.benefit_year))
    return Registry(tuple(policies))


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    return load_registry()
