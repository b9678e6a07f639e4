"""The shape of a county data file, validated at load.

Every fact carries a `source` (the clause of the county's notice; the notice's seed file is named
once in `document.seed`). A topic the notice does not cover is recorded as `stated: false`, so the
assistant can say so and point to `ask_office` instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    clause: str
    quote: str | None = None


def _source(value: object) -> object:
    """Allow the shorthand `source: 七（一）` for `source: {clause: 七（一）}`."""
    return {"clause": value} if isinstance(value, str) else value


SourceRef = Annotated[Source, BeforeValidator(_source)]


class Sourced(Strict):
    source: SourceRef


class County(Strict):
    slug: str = Field(pattern=r"^[a-z]+$")
    name: str
    short: str
    full: str
    aliases: list[str]


class Document(Strict):
    seed: str
    title: str
    number: str | None
    cite_as: str


class Coverage(Sourced):
    start: dt.date
    end: dt.date


class Amount(Sourced):
    amount: int = Field(ge=0)
    note: str | None = None
    minimum: bool = False  # "不低于": the notice states a floor, not an exact figure


class Standard(Strict):
    personal: Amount
    fiscal: Amount


# exempt: pays nothing; reduced: pays the person's part directly; pay_first: pays the full
# personal standard, and the government part is paid back later (遂平); none: listed, no subsidy.
Mode = Literal["exempt", "reduced", "pay_first", "none"]


class Category(Sourced):
    id: str
    name: str
    roster_name: str | None = None  # the name used in the county's roster estimate table
    concepts: list[str]
    mode: Mode
    government_pays: int = Field(ge=0)
    person_pays: int = Field(ge=0)  # what the person bears in the end (after any reimbursement)
    payer: str
    medical_aid: bool = False  # 医疗救助对象 (exempt from 尤溪's waiting period)
    list_from: str | None = None
    note: str | None = None


class MultipleIdentities(Strict):
    rule: Literal["order", "most_favourable"]
    order: list[str] = []
    stated: bool = True
    source: SourceRef | None = None


class PaymentDays(Strict):
    first: int = Field(ge=1, le=31)
    last: int = Field(ge=1, le=31)


PeriodKind = Literal["concentrated", "extended", "late"]
# coverage_start: from the benefit year's first day; next_day: the day after paying;
# pay_date: the day of paying; after_waiting: pay date + waiting_days (unless exempt).
BenefitStart = Literal["coverage_start", "next_day", "pay_date", "after_waiting"]


class Period(Sourced):
    id: str
    kind: PeriodKind
    label: str
    start: dt.date
    end: dt.date
    who: Literal["everyone", "returning_migrant"]
    price: Literal["personal", "personal_plus_fiscal"]
    categories_apply: bool | Literal["not_stated"] = True
    benefit_start: BenefitStart
    waiting_days: int = 0
    waiting_exempt: list[Literal["newborn", "medical_aid"]] = []
    payment_days: PaymentDays | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period {self.id!r} ends ({self.end}) before it starts ({self.start})")
        if self.benefit_start == "after_waiting" and self.waiting_days <= 0:
            raise ValueError(f"period {self.id!r}: benefit_start after_waiting needs waiting_days")
        return self


class Topic(Strict):
    """A prose fact (or several) on one subject, or `stated: false`."""

    stated: bool
    text: str | None = None
    items: list[Item] = []
    excluded: list[Item] = []
    steps: list[str] = []
    conditions: list[str] = []
    deadline: dt.date | None = None
    days: int | None = None
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _sourced_when_stated(self) -> Topic:
        if self.stated and self.source is None:
            raise ValueError("a stated topic needs a source")
        return self


class Item(Strict):
    text: str
    tags: list[str] = []
    source: SourceRef | None = None


class NewbornWindow(Strict):
    days: int | None = None
    months: int | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> NewbornWindow:
        if (self.days is None) == (self.months is None):
            raise ValueError("a newborn window is given in days or in months (exactly one)")
        return self


class NewbornCase(Strict):
    benefit_start: Literal["birth_date", "pay_date"]


class MissedConcentrated(Strict):
    born_in_year: int
    pay_by: dt.date
    benefit_start: Literal["not_stated"] = "not_stated"


class Newborn(Strict):
    stated: bool
    window: NewbornWindow | None = None
    within: NewbornCase | None = None
    after: NewbornCase | None = None  # None: the notice says nothing about paying later
    max_age_days: int | None = None
    free_in_birth_year: bool = False
    missed_concentrated: MissedConcentrated | None = None
    waiting_exempt: bool = False
    text: str | None = None
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _complete(self) -> Newborn:
        if self.stated and self.source is None:
            raise ValueError("stated newborn rules need a source")
        if self.window is not None and self.within is None:
            raise ValueError("a newborn window needs `within` (when benefits start inside it)")
        return self


class Channel(Sourced):
    id: str
    name: str
    mode: Literal["online", "offline"]
    concepts: list[str]
    steps: list[str]
    # `for` is a Python keyword, hence the alias.
    audience: str | None = Field(default=None, alias="for")


class TaskRule(Strict):
    kind: Literal["base_times_rate", "listed"]
    rate_percent: int | None = None
    text: str | None = None
    total_from: Literal["total_base", "sum_of_rows"] = "sum_of_rows"
    source: SourceRef | None = None


class TaskTable(Sourced):
    title: str
    columns: dict[str, str]
    rule: TaskRule
    rows: list[dict[str, int | str]]
    total: dict[str, int]

    @model_validator(mode="after")
    def _consistent(self) -> TaskTable:
        for i, row in enumerate(self.rows, start=1):
            if not isinstance(row.get("township"), str):
                raise ValueError(f"row {i} has no township name")
            missing = [c for c in self.columns if not isinstance(row.get(c), int)]
            if missing:
                raise ValueError(f"row {i} ({row['township']}) lacks whole numbers for {missing}")
        for column in self.columns:
            if column not in self.total:
                raise ValueError(f"total lacks column {column!r}")
        return self


class WorkFunding(Strict):
    stated: bool
    text: str | None = None
    per_enrollee: int | None = None
    bonuses: list[int] = []
    deductions: list[int] = []
    commend_top: int | None = None
    source: SourceRef | None = None


class ChannelsNote(Strict):
    text: str
    stated: bool = True
    source: SourceRef | None = None


class CountyPolicy(Strict):
    schema_version: Literal[1]
    county: County
    benefit_year: int
    document: Document
    coverage: Coverage
    ask_office: str
    ask_office_source: SourceRef
    standard: Standard
    categories: list[Category]
    multiple_identities: MultipleIdentities
    status_changes: Topic
    subsidy_lists: Topic = Topic(stated=False)
    periods: list[Period]
    late_payment: Topic
    newborn: Newborn
    waiting_period: Topic
    eligibility: Topic
    registration: Topic
    correction: Topic
    refund: Topic
    departments: Topic
    channels: list[Channel]
    channels_note: ChannelsNote | None = None
    tasks: TaskTable | None = None
    work_funding: WorkFunding = WorkFunding(stated=False)
    goal: Topic = Topic(stated=False)  # the campaign's target (尤溪 一)
    leading_group: Topic = Topic(stated=False)  # 附件1 领导小组
    subsidy_estimate: Topic = Topic(stated=False)  # 金寨 附件2's totals

    @model_validator(mode="after")
    def _cross_checks(self) -> CountyPolicy:
        personal = self.standard.personal.amount
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError(f"category ids repeat: {ids}")
        for c in self.categories:
            if c.government_pays + c.person_pays != personal:
                raise ValueError(
                    f"category {c.id!r}: government_pays + person_pays = "
                    f"{c.government_pays + c.person_pays}, not the personal standard {personal}")
        unknown = [i for i in self.multiple_identities.order if i not in ids]
        if unknown:
            raise ValueError(f"multiple_identities.order names unknown categories {unknown}")
        if self.multiple_identities.rule == "order" and set(self.multiple_identities.order) != {
                c.id for c in self.categories if c.mode != "none"}:
            raise ValueError("multiple_identities.order must list every subsidised category once")
        periods = sorted(self.periods, key=lambda p: p.start)
        for a, b in itertools.pairwise(periods):
            if b.start <= a.end and a.who == b.who:
                raise ValueError(f"periods {a.id!r} and {b.id!r} overlap")
        return self


Topic.model_rebuild()
