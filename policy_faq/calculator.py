"""What a resident pays, in which period, and from when they are covered — pure functions of the
county's data and the arguments. The date is always an argument; nothing here reads the clock.

Conventions (where the notices leave counting open, documented here once):
- A child's age in days is `pay_date - birth_date` (born today = day 0). 尤溪's "出生90天内" is an
  age of at most 90 days; "出生后的3个月内" (金寨) is a pay date no later than the same day three
  months after birth (the month's last day when that day does not exist).
- A waiting period of N days means benefits start N days after the pay date.
- A notice's newborn rules apply to any child within its window on the pay date; only "free in
  the birth year" (屯留) needs the child to be born in the benefit year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from policy_faq.schema import Category, CountyPolicy, Period, Source

PeriodName = Literal["not_started", "concentrated", "extended", "late", "closed"]


@dataclass(frozen=True)
class Citation:
    document: str  # e.g. 金寨县通知
    seed: str  # the notice's file in shared/seeds
    clause: str
    quote: str | None = None

    def __str__(self) -> str:
        return f"{self.document} {self.clause}"

    def as_dict(self) -> dict[str, str | None]:
        return {"document": self.document, "seed": self.seed, "clause": self.clause,
                "quote": self.quote, "text": str(self)}


@dataclass(frozen=True)
class Deadline:
    label: str
    date: dt.date
    citation: Citation


@dataclass(frozen=True)
class Quote:
    county: str
    benefit_year: int
    pay_date: dt.date
    period: PeriodName
    period_id: str | None
    period_label: str | None
    pay_now: int | None  # None: nothing can be paid now, or the notice does not say how much
    net: int | None  # what the resident bears after any later reimbursement
    subsidy: int  # what the government pays for this person
    subsidy_payer: str | None
    category: Category | None  # the category applied (after resolving several identities)
    categories: tuple[Category, ...]  # every category given
    reimbursed_later: bool  # pays the full standard now, the subsidy comes back later (遂平)
    benefit_start: dt.date | None
    waiting_days: int
    payable_today: bool
    next_payable: dt.date | None
    deadlines: tuple[Deadline, ...]
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    newborn_within_window: bool | None = None
    child_age_days: int | None = None
    period_end: dt.date | None = None  # the last day of the period the pay date is in

    def as_dict(self) -> dict[str, object]:
        return {
            "county": self.county,
            "benefit_year": self.benefit_year,
            "pay_date": self.pay_date.isoformat(),
            "pay_now": self.pay_now,
            "net": self.net,
            "subsidy": self.subsidy,
            "subsidy_payer": self.subsidy_payer,
            "category": self.category.name if self.category else None,
            "categories": [c.name for c in self.categories],
            "reimbursed_later": self.reimbursed_later,
            "period": self.period,
            "period_id": self.period_id,
            "period_label": self.period_label,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "payable_today": self.payable_today,
            "next_payable": self.next_payable.isoformat() if self.next_payable else None,
            "benefit_start": self.benefit_start.isoformat() if self.benefit_start else None,
            "waiting_days": self.waiting_days,
            "newborn_within_window": self.newborn_within_window,
            "child_age_days": self.child_age_days,
            "deadlines": [{"label": d.label, "date": d.date.isoformat(), "citation": str(d.citation)}
                          for d in self.deadlines],
            "notes": list(self.notes),
            "citations": [c.as_dict() for c in self.citations],
        }


class QuoteError(ValueError):
    """Arguments that cannot be quoted (e.g. a birth date after the pay date)."""


def cite(policy: CountyPolicy, source: Source) -> Citation:
    return Citation(policy.document.cite_as, policy.document.seed, source.clause, source.quote)


def add_citation(citations: list[Citation], citation: Citation) -> None:
    """Append unless that clause is cited already (one clause, one citation)."""
    if all(citation.clause != known.clause for known in citations):
        citations.append(citation)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def applicable_category(policy: CountyPolicy, categories: list[Category]) -> Category | None:
    """The one category that decides a person with several identities."""
    subsidised = [c for c in categories if c.mode != "none"]
    if not subsidised:
        return categories[0] if categories else None
    rule = policy.multiple_identities
    if rule.rule == "order":
        return min(subsidised, key=lambda c: rule.order.index(c.id))
    standard = policy.standard.personal.amount
    return min(subsidised, key=lambda c: (c.person_pays,
                                          standard if c.mode == "pay_first" else c.person_pays))


def period_at(policy: CountyPolicy, day: dt.date, migrant: bool = False) -> Period | None:
    for p in policy.periods:
        if p.start <= day <= p.end and (p.who == "everyone" or migrant):
            return p
    return None


def _regular_periods(policy: CountyPolicy, migrant: bool) -> list[Period]:
    return [p for p in policy.periods if p.who == "everyone" or migrant]


@dataclass
class _Draft:
    """Mutable working state of one quote; frozen into a `Quote` at the end."""

    policy: CountyPolicy
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)

    def cite(self, source: Source | None) -> Citation | None:
        if source is None:
            return None
        c = cite(self.policy, source)
        add_citation(self.citations, c)
        return c


def quote(policy: CountyPolicy, pay_date: dt.date | None = None,
          categories: list[Category] | tuple[Category, ...] = (), birth_date: dt.date | None = None,
          migrant: bool = False) -> Quote:
    """Everything a resident needs to know about paying on `pay_date` (default: the first day of
    the concentrated period)."""
    regular = _regular_periods(policy, migrant)
    if pay_date is None:
        pay_date = min(p.start for p in regular)
    if birth_date is not None and birth_date > pay_date:
        raise QuoteError(f"出生日期 {birth_date} 晚于缴费日期 {pay_date}")
    draft = _Draft(policy)
    draft.cite(policy.standard.personal.source)

    applied = _decide_identity(draft, list(categories))
    period = period_at(policy, pay_date, migrant)
    if period is None and not migrant:
        _note_migrant_only(draft, pay_date)
    newborn = _newborn(draft, pay_date, birth_date, period)
    period_name, period_id, period_label = _period_name(newborn, period, pay_date, regular)
    if period is not None:
        draft.cite(period.source)
    price = _price(draft, applied, period, period_name, period_label, newborn, pay_date, regular)
    benefit_start, waiting_days = _benefit_start(draft, applied, period, period_name, newborn,
                                                 pay_date, regular)
    payable_today, next_payable = _payable(draft, period, period_name, newborn, pay_date, regular)

    for p in regular:  # the deadlines that matter to this resident
        if p.end >= pay_date:
            draft.deadlines.append(Deadline(p.label + "截止", p.end, cite(policy, p.source)))
    draft.deadlines.extend(newborn.deadlines)
    draft.deadlines.sort(key=lambda d: d.date)

    return Quote(
        county=policy.county.name, benefit_year=policy.benefit_year, pay_date=pay_date,
        period=period_name, period_id=period_id, period_label=period_label,
        pay_now=price.pay_now, net=price.net,
        subsidy=price.subsidy if price.pay_now is not None or newborn.free else 0,
        subsidy_payer=price.payer, category=applied, categories=tuple(categories),
        reimbursed_later=price.reimbursed_later, benefit_start=benefit_start,
        waiting_days=waiting_days, payable_today=payable_today, next_payable=next_payable,
        deadlines=tuple(draft.deadlines), notes=tuple(draft.notes), citations=tuple(draft.citations),
        newborn_within_window=newborn.within, child_age_days=newborn.age_days,
        period_end=period.end if period is not None and newborn.period_kind is None else None,
    )


def _decide_identity(draft: _Draft, categories: list[Category]) -> Category | None:
    """The category applied, with a note on how several identities were decided."""
    policy = draft.policy
    applied = applicable_category(policy, categories)
    if applied is None:
        return None
    draft.cite(applied.source)
    if len([c for c in categories if c.mode != "none"]) > 1:
        rule = policy.multiple_identities
        if rule.rule == "order":
            draft.cite(rule.source)
            clause = rule.source.clause if rule.source else ""
            draft.notes.append(f"多重身份按{policy.document.cite_as}{clause}的顺序认定为“{applied.name}”")
        else:
            draft.notes.append(f"通知未规定多重身份如何认定，按对您最有利的一项“{applied.name}”计算，"
                               f"请向{policy.ask_office}确认")
    if applied.note:
        draft.notes.append(applied.note)
    return applied


def _note_migrant_only(draft: _Draft, pay_date: dt.date) -> None:
    for p in draft.policy.periods:
        if p.who == "returning_migrant" and p.start <= pay_date <= p.end:
            draft.cite(p.source)
            draft.notes.append(f"{p.label}（至{p.end:%Y年%-m月%-d日}）只适用于春节返乡的外出务工人员")


def _period_name(newborn: _NewbornOutcome, period: Period | None, pay_date: dt.date,
                 regular: list[Period]) -> tuple[PeriodName, str | None, str | None]:
    """The period this resident is in on pay_date: a newborn's own window counts."""
    if newborn.period_kind is not None:
        return newborn.period_kind, newborn.period_id, newborn.label
    if period is not None:
        return period.kind, period.id, period.label
    if pay_date < min(p.start for p in regular):
        return "not_started", None, None
    return "closed", None, None


@dataclass(frozen=True)
class _Price:
    pay_now: int | None
    net: int | None
    subsidy: int
    payer: str | None
    reimbursed_later: bool


def _price(draft: _Draft, applied: Category | None, period: Period | None, period_name: PeriodName,
           period_label: str | None, newborn: _NewbornOutcome, pay_date: dt.date,
           regular: list[Period]) -> _Price:
    policy = draft.policy
    standard, fiscal = policy.standard.personal.amount, policy.standard.fiscal.amount
    if newborn.free:
        return _Price(0, 0, 0, None, False)
    if period_name == "closed":
        last = max(regular, key=lambda p: p.end)
        if pay_date > last.end:
            draft.cite(last.source)
            draft.notes.append(f"{policy.benefit_year}年度的缴费期已于{last.end:%Y年%-m月%-d日}结束")
        if not policy.late_payment.stated:
            draft.notes.append(f"{policy.document.cite_as}未规定集中缴费期结束后的补缴办法，"
                               f"请向{policy.ask_office}咨询")
        return _Price(None, None, 0, None, False)

    full_price = period is not None and period.price == "personal_plus_fiscal" and not newborn.applies
    base = standard + fiscal if full_price else standard
    categories_apply = True if (period is None or newborn.applies) else period.categories_apply
    if applied is None or not applied.government_pays:
        price = _Price(base, base, 0, None, False)
    elif categories_apply == "not_stated":
        draft.notes.append(f"{period_label}资助对象如何缴费，{policy.document.cite_as}未写明，"
                           f"请向{policy.ask_office}咨询")
        return _Price(None, None, 0, None, False)
    elif applied.mode == "pay_first":
        price = _Price(base, base - applied.government_pays, applied.government_pays, applied.payer,
                       True)
    else:
        net = base - applied.government_pays
        price = _Price(net, net, applied.government_pays, applied.payer, False)
    if full_price and period is not None:
        draft.notes.append(f"{period.start:%-m月%-d日}起补缴按个人缴费标准与财政补助之和"
                           f"（{standard}+{fiscal}元）缴费")
    return price


def _benefit_start(draft: _Draft, applied: Category | None, period: Period | None,
                   period_name: PeriodName, newborn: _NewbornOutcome, pay_date: dt.date,
                   regular: list[Period]) -> tuple[dt.date | None, int]:
    """When benefits start, and the waiting days before that."""
    policy = draft.policy
    if newborn.applies:
        return newborn.benefit_start, 0
    if period_name == "not_started":
        first = min(regular, key=lambda p: p.start)
        return (policy.coverage.start if first.benefit_start == "coverage_start" else None), 0
    if period is None or period_name == "closed":
        return None, 0
    rule = period.benefit_start
    if rule == "coverage_start":
        return policy.coverage.start, 0
    if rule == "next_day":
        return pay_date + dt.timedelta(days=1), 0
    if rule == "pay_date":
        return pay_date, 0
    if applied is not None and applied.medical_aid and "medical_aid" in period.waiting_exempt:
        draft.notes.append("医疗救助对象不执行待遇等待期")
        return pay_date, 0
    return pay_date + dt.timedelta(days=period.waiting_days), period.waiting_days


def _payable(draft: _Draft, period: Period | None, period_name: PeriodName,
             newborn: _NewbornOutcome, pay_date: dt.date,
             regular: list[Period]) -> tuple[bool, dt.date | None]:
    """Whether payment can be made that day (屯留: the 1st to the 25th of each month), and when
    next it can."""
    if period_name == "not_started":
        return False, min(p.start for p in regular)
    if period_name == "closed":
        return False, None
    if period is None or period.payment_days is None or newborn.period_kind is not None:
        return True, None
    days = period.payment_days
    if days.first <= pay_date.day <= days.last:
        return True, None
    draft.notes.append(f"{period.label}内每月{days.first}-{days.last}日可办理缴费")
    if pay_date.day > days.last:
        candidate = add_months(pay_date.replace(day=1), 1).replace(day=days.first)
    else:
        candidate = pay_date.replace(day=days.first)
    return False, candidate if candidate <= period.end else None


@dataclass
class _NewbornOutcome:
    applies: bool = False  # newborn rules decide price and benefit start
    free: bool = False
    within: bool | None = None
    age_days: int | None = None
    benefit_start: dt.date | None = None
    period_kind: PeriodName | None = None  # set when the child's own window is what is open
    period_id: str | None = None
    label: str | None = None
    deadlines: list[Deadline] = field(default_factory=list)


def _newborn(draft: _Draft, pay_date: dt.date, birth_date: dt.date | None,
             period: Period | None) -> _NewbornOutcome:
    out = _NewbornOutcome()
    if birth_date is None:
        return out
    policy, rules = draft.policy, draft.policy.newborn
    out.age_days = (pay_date - birth_date).days
    if not rules.stated:
        draft.notes.append(f"{policy.document.cite_as}未对新生儿参保作专门规定，请向{policy.ask_office}咨询")
        return out
    draft.cite(rules.source)
    citation = cite(policy, rules.source)  # type: ignore[arg-type]
    if birth_date > policy.coverage.end:  # a later year's child: this notice says nothing
        draft.notes.append(f"孩子出生于{policy.benefit_year}年度之后，{policy.document.cite_as}的新生儿规定不适用，"
                           f"请以当地最新通知为准，或向{policy.ask_office}咨询")
        return out

    missed = rules.missed_concentrated
    if missed is not None and birth_date.year == missed.born_in_year:
        out.deadlines.append(Deadline(f"{missed.born_in_year}年出生的新生儿补办参保缴费", missed.pay_by,
                                      citation))
        if rules.free_in_birth_year:
            draft.notes.append(f"出生当年（{birth_date.year}年）不缴纳医保费即可享受待遇；"
                               f"{policy.benefit_year}年度需按标准缴费")
        if period is None and pay_date <= missed.pay_by and pay_date >= policy.periods[0].start:
            out.applies = True
            out.period_kind, out.period_id = "extended", "newborn_missed_concentrated"
            out.label = f"{missed.born_in_year}年出生新生儿补办期"
            draft.notes.append("通知未写明补办参保缴费后从何时起享受待遇，请向"
                               f"{policy.ask_office}咨询")
        return out
    if rules.free_in_birth_year:
        if birth_date.year != policy.benefit_year:
            return out
        out.applies = out.free = True
        out.period_kind, out.period_id = period.kind if period else "extended", "newborn_birth_year"
        out.label = "新生儿出生当年（免缴）"
        draft.notes.append("新生儿出生当年不缴纳医保费即可享受待遇，但应及时办理参保登记；"
                           "通知未写明具体从哪天起享受")
        return out
    if rules.max_age_days is not None and out.age_days > rules.max_age_days:
        draft.notes.append("孩子已满一周岁，不再按新生儿办理")
        return out
    window = rules.window
    if window is None or rules.within is None:
        return out
    if window.days is not None:
        window_end = birth_date + dt.timedelta(days=window.days)
        out.within = out.age_days <= window.days
        window_text = f"出生{window.days}天内"
    else:
        window_end = add_months(birth_date, window.months or 0)
        out.within = pay_date <= window_end
        window_text = f"出生后{window.months}个月内"
    out.deadlines.append(Deadline(f"新生儿{window_text}参保缴费（从出生之日起享受待遇）", window_end,
                                  citation))
    case = rules.within if out.within else rules.after
    if case is None:
        if period is None:  # no regular period to fall back on either
            draft.notes.append(f"已超过新生儿{window_text}的参保缴费期限，通知未写明之后如何办理，"
                               f"请向{policy.ask_office}咨询")
        return out
    out.applies = True
    out.benefit_start = birth_date if case.benefit_start == "birth_date" else pay_date
    if not out.within and case.benefit_start == "pay_date":
        draft.notes.append(f"已超过{window_text}，从缴费之日起享受待遇")
    if period is None and (out.within or pay_date <= policy.coverage.end):
        out.period_kind, out.period_id = "extended", "newborn_window"
        out.label = f"新生儿参保缴费期（{window_text}）" if out.within else "新生儿当年参保缴费"
    if rules.waiting_exempt and period is not None and period.waiting_days:
        draft.notes.append("新生儿不执行待遇等待期")
    return out
