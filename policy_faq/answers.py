"""Answers to residents' questions, per intent, from one county's data and the calculator.

Each `answer_<intent>` gathers facts into a context and renders `templates/answers/<intent>.j2`.
Slots are plain values (concept ids, ISO dates, flags) so this module knows nothing of how the
question was understood. Every answer carries the clauses it used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policy_faq.calculator import Citation, Quote, add_citation, cite, quote
from policy_faq.concepts import match_concept, vocabulary
from policy_faq.render import render
from policy_faq.schema import Category, CountyPolicy, Source, Topic
from policy_faq.tasks import find_township, task_rows, total_task

MAX_CHARS, MAX_BYTES = 700, 2048  # one WeChat passive reply


def fits_one_reply(text: str) -> bool:
    return len(text) <= MAX_CHARS and len(text.encode("utf-8")) <= MAX_BYTES


def clip(text: str) -> str:
    """The longest prefix of `text` that fits one passive reply (a last resort)."""
    text = text[:MAX_CHARS]
    while not fits_one_reply(text):
        text = text[:-1]
    return text


@dataclass
class Answer:
    text: str
    citations: list[str] = field(default_factory=list)
    debug: dict[str, Any] = field(default_factory=dict)  # calculator inputs/outputs, for staff


@dataclass
class _Ctx:
    """What every answer needs, plus the citations it collects."""

    policy: CountyPolicy
    slots: dict[str, Any]
    today: dt.date
    citations: list[Citation] = field(default_factory=list)
    debug: dict[str, Any] = field(default_factory=dict)

    def cite(self, source: Source | None) -> None:
        if source is None:
            return
        add_citation(self.citations, cite(self.policy, source))

    def cite_quote(self, q: Quote) -> None:
        for c in q.citations:
            add_citation(self.citations, c)

    @property
    def pay_date(self) -> dt.date:
        """The date the resident asks about, else today."""
        return slot_date(self.slots.get("date")) or self.today

    def base(self) -> dict[str, Any]:
        p = self.policy
        last_end = max(q.end for q in p.periods)
        return {
            "p": p, "county": p.county.name, "doc": p.document.cite_as, "year": p.benefit_year,
            "ask": p.ask_office, "today": self.today,
            "personal": p.standard.personal.amount, "fiscal": p.standard.fiscal,
            # The data is an old year's when today is past every period it covers.
            "stale_since": last_end if self.today > last_end else None,
        }


def slot_date(value: object) -> dt.date | None:
    """A date slot (ISO text or a date) as a date; None when absent or not a date."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def concept_label(concept: str) -> str:
    phrases = vocabulary()["categories"].get(concept) or [concept]
    return str(phrases[0])


@dataclass
class _Resolved:
    categories: list[Category]  # exactly named in this county
    ambiguous: list[tuple[str, tuple[Category, ...]]]  # word -> the county's candidates
    unlisted: list[str]  # words the county's notice does not list
    narrowed: list[tuple[str, Category]] = field(default_factory=list)  # word -> the only listed kind


def _resolve(ctx: _Ctx) -> _Resolved:
    out = _Resolved([], [], [])
    for concept in ctx.slots.get("categories") or []:
        m = match_concept(ctx.policy, concept)
        if m.exact:
            if m.categories[0] not in out.categories:
                out.categories.append(m.categories[0])
        elif len(m.categories) == 1 and m.categories[0].concepts and concept not in m.categories[0].concepts:
            # "残疾" where the county only lists 重度残疾: answer for that, and say so
            out.narrowed.append((concept_label(concept), m.categories[0]))
            if m.categories[0] not in out.categories:
                out.categories.append(m.categories[0])
        elif m.categories:
            out.ambiguous.append((concept_label(concept), m.categories))
        else:
            out.unlisted.append(concept_label(concept))
    for _, cats in out.ambiguous:
        for c in cats:
            ctx.cite(c.source)
    return out


def _quote(ctx: _Ctx, categories: list[Category], birth: dt.date | None = None,
           pay_date: dt.date | None = None) -> Quote:
    day = pay_date or ctx.pay_date
    migrant = bool(ctx.slots.get("migrant"))
    q = quote(ctx.policy, day, categories, birth, migrant)
    ctx.cite_quote(q)
    ctx.debug["calculator"] = {
        "county": ctx.policy.county.name, "pay_date": day.isoformat(),
        "categories": [c.id for c in categories], "birth_date": birth.isoformat() if birth else None,
        "migrant": migrant, "result": {k: v for k, v in q.as_dict().items() if k != "citations"},
    }
    return q


SEPARATOR = "\x1e"  # between body and footer in one rendered page; never in an answer


def _render(ctx: _Ctx, intent: str, offer: str | None = None, **extra: Any) -> Answer:
    citations = [str(c) for c in ctx.citations]
    page = render("answers/_page.j2", **(ctx.base() | extra), intent=intent, offer=offer,
                  citations=citations, separator=SEPARATOR)
    body, _, footer = page.partition(SEPARATOR)
    return Answer(_fit(body.strip(), footer.strip()), citations, ctx.debug)


def _fit(body: str, footer: str) -> str:
    """Body then footer, trimmed by whole lines so the reply fits one passive reply."""
    lines = [ln for ln in body.splitlines() if ln.strip()]
    text = "\n".join(lines + [footer])
    while not fits_one_reply(text) and len(lines) > 1:
        lines.pop()
        text = "\n".join(lines + ["（内容较多，已精简）", footer])
    return clip(text)


def _topic(ctx: _Ctx, topic: Topic, tags: list[str] | None = None) -> dict[str, Any]:
    """A prose topic's items, narrowed to the asker's tags when any match."""
    if not topic.stated:
        return {"stated": False}
    ctx.cite(topic.source)
    items = list(topic.items)
    excluded = list(topic.excluded)
    if tags:
        wanted = set(tags)
        items = [i for i in items if wanted & set(i.tags)]
        excluded = [i for i in excluded if wanted & set(i.tags)]
    for i in items + excluded:
        ctx.cite(i.source)
    return {"stated": True, "text": topic.text, "items": items, "excluded": excluded,
            "steps": topic.steps, "conditions": topic.conditions}


# ---------------------------------------------------------------------------------------------
# One function per intent.

AUDIENCE_TAGS = ("student", "non_local", "employee_insurance", "armed_police", "residence_permit",
                 "migrant_children")


def _standard_quote(ctx: _Ctx, categories: list[Category]) -> Quote:
    """Amounts as the notice sets them: on the asked date, else today if a period is open, else
    on the first day of the concentrated period."""
    asked = slot_date(ctx.slots.get("date"))
    q = quote(ctx.policy, asked or ctx.today, categories, migrant=bool(ctx.slots.get("migrant")))
    if asked is None and q.pay_now is None:
        q = quote(ctx.policy, min(p.start for p in ctx.policy.periods), categories)
    ctx.cite_quote(q)
    return q


FAMILY_SIZE = re.compile(r"(?:一家|全家|家里|我家|家)\s*(\d{1,2})\s*(?:口|个人|人)|(\d{1,2})\s*口人"
                         r"|(\d{1,2})\s*(?:个人|口子)|一共\s*(\d{1,2})\s*(?:个人|人|口)")
# Words for two or three people that carry no digit: "我跟媳妇俩人", "两口子", "仨人".
FAMILY_WORDS = {2: ("俩人", "两人", "两口子", "俩口子", "夫妻俩", "我们俩", "咱俩", "两个人", "2个人"),
                3: ("仨人", "三口人", "三个人", "3个人")}


def _family_size(text: str) -> int | None:
    """"一家五口" (normalised to 一家5口), "全家3个人", "4口人", "俩人": how many people pay."""
    m = FAMILY_SIZE.search(text)
    if m:
        size = int(next(g for g in m.groups() if g))
        return size if 2 <= size <= 20 else None
    for size, words in FAMILY_WORDS.items():
        if any(w in text for w in words):
            return size
    return None


def answer_fee(ctx: _Ctx) -> Answer:
    r = _resolve(ctx)
    std = _standard_quote(ctx, r.categories)
    q = _quote(ctx, r.categories)
    family = _family_size(str(ctx.slots.get("_text", ""))) if not r.categories else None
    amount = ctx.slots.get("amount")
    who_pays = _who_pays(ctx.policy, amount) if isinstance(amount, int) else None
    return _render(ctx, "fee", offer="回复“渠道”查看缴费步骤", q=q, std=std, r=r, family=family,
                   amount=amount, who_pays=who_pays)


def _who_pays(policy: CountyPolicy, amount: int) -> list[str]:
    """"76" — who in this county pays exactly that much (a resident checking a figure)."""
    standard, fiscal = policy.standard.personal.amount, policy.standard.fiscal.amount
    who = []
    if amount == standard:
        who.append("普通居民的个人缴费标准")
    who += [f"{c.name}的个人缴费" for c in policy.categories
            if c.mode in ("reduced", "none") and c.person_pays == amount and c.person_pays != standard]
    who += [f"{c.name}的个人实际负担（先缴{standard}元，后资助{c.government_pays}元）"
            for c in policy.categories if c.mode == "pay_first" and c.person_pays == amount]
    who += [f"{p.label}（{p.start.month}月{p.start.day}日起）的缴费标准" for p in policy.periods
            if p.price == "personal_plus_fiscal" and standard + fiscal == amount]
    return who


def answer_subsidy(ctx: _Ctx) -> Answer:
    r = _resolve(ctx)
    status = _status_change(ctx)
    if status["asked"]:
        lists = ctx.policy.subsidy_lists
        if lists.stated:
            ctx.cite(lists.source)
        return _render(ctx, "status_change", status=status, lists=lists)
    if not (r.categories or r.ambiguous or r.unlisted):
        for c in ctx.policy.categories:
            ctx.cite(c.source)
        ctx.cite(ctx.policy.standard.personal.source)
        return _render(ctx, "subsidy_list", offer="回复您的身份（如“低保”）查看具体金额",
                       categories=[c for c in ctx.policy.categories if c.mode != "none"])
    q = _standard_quote(ctx, r.categories) if r.categories else None
    each: list[Quote] = []
    if len(r.categories) > 1:
        ctx.cite(ctx.policy.multiple_identities.source)
        text = str(ctx.slots.get("_text", ""))
        if not any(w in text for w in ONE_PERSON_WORDS):  # family members: one line each
            each = [_standard_quote(ctx, [c]) for c in r.categories]
    now = _quote(ctx, r.categories)
    return _render(ctx, "subsidy", offer="回复“渠道”查看缴费步骤", q=q, r=r, now=now, each=each,
                   status=_status_change(ctx), lists=ctx.policy.subsidy_lists)


def answer_deadline(ctx: _Ctx) -> Answer:
    q = _quote(ctx, _resolve(ctx).categories)
    for p in ctx.policy.periods:
        ctx.cite(p.source)
    asked = slot_date(ctx.slots.get("date"))
    lists = ctx.policy.subsidy_lists
    show_lists = lists.stated and any(w in str(ctx.slots.get("_text", "")) for w in LIST_WORDS)
    if show_lists:
        ctx.cite(lists.source)
    return _render(ctx, "deadline", offer="回复“渠道”查看缴费步骤", q=q, asked=asked,
                   periods=ctx.policy.periods, late=ctx.policy.late_payment,
                   lists=lists if show_lists else None)


def answer_migrant_extension(ctx: _Ctx) -> Answer:
    ctx.slots = {**ctx.slots, "migrant": True}
    extensions = [p for p in ctx.policy.periods if p.kind == "extended"]
    for p in extensions:
        ctx.cite(p.source)
    asked = slot_date(ctx.slots.get("date"))
    q = _quote(ctx, _resolve(ctx).categories) if asked else None
    return _render(ctx, "migrant_extension", offer="回复“渠道”查看缴费步骤",
                   extensions=extensions, asked=asked, q=q)


def answer_late_payment(ctx: _Ctx) -> Answer:
    late = ctx.policy.late_payment
    ctx.cite(late.source)
    asked = slot_date(ctx.slots.get("date"))
    q = _quote(ctx, _resolve(ctx).categories)
    late_periods = [p for p in ctx.policy.periods if p.kind == "late"]
    categories = _resolve(ctx).categories
    std = _standard_quote(ctx, categories) if categories else None
    return _render(ctx, "late_payment", offer="回复“待遇”查看何时开始报销", late=late, q=q,
                   asked=asked, late_periods=late_periods, waiting=ctx.policy.waiting_period,
                   std=std)


# "我是低保又是残疾": one person with several identities (else several people are meant)
ONE_PERSON_WORDS = ("又是", "也是", "同时是", "既是", "还是", "两个身份", "多重身份", "几个身份")
LIST_WORDS = ("名单", "花名册", "名册", "清册")
# A change of status during the year ("刚评上低保", "后来被取消了"), not a status as such
# ("残联认定过的重度残疾").
STATUS_CHANGE = re.compile(r"(?:刚|才|新|后来|中途|年中|今年|最近|这个月|上个月|[0-9]+月份?)[^，。,]{0,4}"
                           r"(?:评上|认定|纳入|评为|被评)"
                           r"|(?:评上|认定|纳入|评为)[^，。,]{0,6}(?:后|以后|之后)"
                           r"|取消|退出|不再是|不愿|放弃|动态调整|新增")


def _status_change(ctx: _Ctx) -> dict[str, Any]:
    """The county's rule for people whose subsidy status changes during the year, when the
    question is about that."""
    if not STATUS_CHANGE.search(str(ctx.slots.get("_text", ""))):
        return {"asked": False}
    return {"asked": True} | _topic(ctx, ctx.policy.status_changes)


def _birth(ctx: _Ctx) -> dt.date | None:
    birth = slot_date(ctx.slots.get("birth_date"))
    if birth is None and isinstance(ctx.slots.get("child_age_days"), int):
        birth = ctx.pay_date - dt.timedelta(days=ctx.slots["child_age_days"])
    return birth


def answer_newborn(ctx: _Ctx) -> Answer:
    nb = ctx.policy.newborn
    birth = _birth(ctx)
    q = None
    if nb.stated:
        ctx.cite(nb.source)
        if birth is not None and birth <= ctx.pay_date:
            q = _quote(ctx, _resolve(ctx).categories, birth)
    ctx.debug["birth_date"] = birth.isoformat() if birth else None
    registration = _topic(ctx, ctx.policy.registration, ["newborn", "new"]) if nb.stated and q is None else {}
    # A child still inside its own window is not told that the year's periods have closed.
    window_open = q is not None and q.pay_now is not None
    return _render(ctx, "newborn", offer="回复“渠道”查看缴费步骤", nb=nb, birth=birth, q=q,
                   newborn_registration=registration.get("items", []),
                   **({"stale_since": None} if window_open else {}))


def answer_benefit_start(ctx: _Ctx) -> Answer:
    asked = slot_date(ctx.slots.get("date"))
    birth = _birth(ctx)
    q = _quote(ctx, _resolve(ctx).categories, birth if birth and birth <= ctx.pay_date else None)
    for p in ctx.policy.periods:
        ctx.cite(p.source)
    ctx.cite(ctx.policy.waiting_period.source)
    return _render(ctx, "benefit_start", q=q, asked=asked, periods=ctx.policy.periods,
                   waiting=ctx.policy.waiting_period)


def answer_eligibility(ctx: _Ctx) -> Answer:
    tags = [t for t in AUDIENCE_TAGS if ctx.slots.get(t)]
    topic = _topic(ctx, ctx.policy.eligibility, tags or None)
    registration = _topic(ctx, ctx.policy.registration, tags) if tags else {"stated": False}
    labels = {"student": "在校学生", "non_local": "非本地户籍人员",
              "employee_insurance": "已参加职工医保的人员", "armed_police": "武警官兵",
              "residence_permit": "持居住证的人员", "migrant_children": "流动人口子女"}
    return _render(ctx, "eligibility", offer="回复“登记”查看参保登记办法", topic=topic,
                   asked=[labels[t] for t in tags], registration=registration)


CORRECTION_WORDS = ("改", "错", "变更", "更正", "不对")
MOVED_WORDS = ("迁", "搬家", "户口变", "换了户口", "转户口")


def answer_registration(ctx: _Ctx) -> Answer:
    text = str(ctx.slots.get("_text", ""))
    moved = any(w in text for w in MOVED_WORDS)
    wants_correction = not moved and any(w in text for w in CORRECTION_WORDS)
    subsidised = "免缴" in text or bool(ctx.slots.get("categories"))
    first_time = any(w in text for w in NEW_ENROLLEE_WORDS + ("第1次",))
    tags = ([t for t in AUDIENCE_TAGS if ctx.slots.get(t)] + (["moved"] if moved else [])
            + (["subsidised"] if subsidised else []) + (["new"] if first_time else []))
    registration = _topic(ctx, ctx.policy.registration, tags or None)
    if tags and not registration.get("items"):
        registration = _topic(ctx, ctx.policy.registration)
    correction = _topic(ctx, ctx.policy.correction)
    return _render(ctx, "registration", offer="回复“渠道”查看缴费步骤", registration=registration,
                   correction=correction, wants_correction=wants_correction)


def answer_channel(ctx: _Ctx) -> Answer:
    p = ctx.policy
    wanted = set(ctx.slots.get("channels") or [])
    offline = bool(ctx.slots.get("offline"))
    channels = list(p.channels)
    chosen = [c for c in channels if wanted & set(c.concepts)] if wanted else []
    if not chosen and offline:
        chosen = [c for c in channels if c.mode == "offline"]
    if not chosen and not wanted and not offline:
        chosen = channels
    for c in chosen or channels:
        ctx.cite(c.source)
    if p.channels_note:
        ctx.cite(p.channels_note.source)
    if any(w in str(ctx.slots.get("_text", "")) for w in NEW_ENROLLEE_WORDS):
        chosen.sort(key=lambda c: "新参保" not in (c.audience or "") + c.name)
    detailed = chosen[:2] if chosen and (wanted or offline or len(chosen) == 1) else chosen[:1]
    missing = _unlisted_channel_names(p, str(ctx.slots.get("_text", "")))
    if missing and not (set(wanted) - {w for n in missing for w in _channel_concepts(n)}):
        chosen, detailed = [], []
    return _render(ctx, "channel", offer="回复渠道名称查看该渠道的办理步骤",
                   chosen=chosen, detailed=detailed, others=[c for c in channels if c not in chosen],
                   wanted=bool(wanted or missing), offline=offline, note=p.channels_note,
                   missing=missing)


# A first enrolment (a baby, someone never enrolled) takes the registration path first.
NEW_ENROLLEE_WORDS = ("新参保", "第一次", "首次", "新生儿", "刚出生", "没参过", "没参保过", "新办", "孩子")


def _channel_concepts(name: str) -> list[str]:
    return [c for c, phrases in vocabulary()["channels"].items() if name in phrases]


def _unlisted_channel_names(policy: CountyPolicy, text: str) -> list[str]:
    """Named apps and services (皖事通, 豫事办, 支付宝 …) the resident mentions that this county's
    notice does not list, so the answer can say so instead of offering a look-alike."""
    listed = QUOTES.sub("", " ".join(c.name + " ".join(c.steps) for c in policy.channels)).lower()
    text = text.lower()
    names = {str(p).lower() for phrases in vocabulary()["channels"].values() for p in phrases
             if len(str(p)) >= 3 and str(p).lower() in text and str(p).lower() not in listed}
    return sorted(n for n in names if not any(n != m and n in m for m in names))


QUOTES = re.compile(r"[“”\"'「」《》]")


def answer_refund(ctx: _Ctx) -> Answer:
    refund = _topic(ctx, ctx.policy.refund)
    return _render(ctx, "refund", refund=refund, status=_status_change(ctx))


GROUP_WORDS = ("领导小组", "组长", "协调小组", "谁牵头", "谁领导", "负责人")


def answer_department(ctx: _Ctx) -> Answer:
    departments = _topic(ctx, ctx.policy.departments)
    ctx.cite(ctx.policy.ask_office_source)
    group = {"stated": False, "asked": False}
    if any(w in str(ctx.slots.get("_text", "")) for w in GROUP_WORDS):
        group = {"asked": True} | _topic(ctx, ctx.policy.leading_group)
    return _render(ctx, "department", departments=departments, group=group)


OTHER_COLUMN_WORDS = ("基数", "人口", "参保人数", "去年", "2023", "各列", "都")
GOAL_WORDS = ("目标", "缴费率", "参保率", "要求")
ESTIMATE_WORDS = ("代缴", "测算", "附件2", "去重", "补贴金额")


def answer_tasks(ctx: _Ctx) -> Answer:
    p = ctx.policy
    if p.tasks is None:  # the notice's own words on progress reports stand in for a table
        progress = [i for i in p.departments.items if any(w in i.text for w in ("通报", "督查", "考核"))]
        for i in progress:
            ctx.cite(i.source)
        return _render(ctx, "tasks", table=None, funding=p.work_funding, extras=[], progress=progress,
                       all_columns=False, wants_total=False)
    ctx.cite(p.tasks.source)
    if p.tasks.rule.source:
        ctx.cite(p.tasks.rule.source)
    township = ctx.slots.get("township")
    row = find_township(p, township) if township else None
    rows = task_rows(p)
    if p.work_funding.stated:
        ctx.cite(p.work_funding.source)
    text = str(ctx.slots.get("_text", ""))
    extras = [t for t, words in ((p.goal, GOAL_WORDS), (p.subsidy_estimate, ESTIMATE_WORDS))
              if t.stated and any(w in text for w in words)]
    for t in extras:
        ctx.cite(t.source)
    # "任务合计" wants the task total; "参保基数合计", "去年参保人数" want the other columns too.
    all_columns = "任务" not in text or any(w in text for w in OTHER_COLUMN_WORDS)
    wants_total = any(w in text for w in ("全县", "合计", "一共", "总共", "总数", "全区"))
    return _render(ctx, "tasks", table=p.tasks, row=row, township=township, total=total_task(p),
                   rows=rows, funding=p.work_funding, extras=extras, progress=[],
                   all_columns=all_columns, wants_total=wants_total)


def answer_human(ctx: _Ctx) -> Answer:
    ctx.cite(ctx.policy.ask_office_source)
    return _render(ctx, "human")


ANSWERS: dict[str, Callable[[_Ctx], Answer]] = {
    "fee": answer_fee,
    "subsidy": answer_subsidy,
    "deadline": answer_deadline,
    "migrant_extension": answer_migrant_extension,
    "late_payment": answer_late_payment,
    "newborn": answer_newborn,
    "benefit_start": answer_benefit_start,
    "eligibility": answer_eligibility,
    "registration": answer_registration,
    "channel": answer_channel,
    "refund": answer_refund,
    "department": answer_department,
    "tasks": answer_tasks,
    "human": answer_human,
}


def answer(intent: str, policy: CountyPolicy, slots: dict[str, Any], today: dt.date) -> Answer:
    """The reply to `intent` for this county. `slots` may carry `_text` (the normalised message)."""
    return ANSWERS[intent](_Ctx(policy, dict(slots), today))
