"""One turn of the conversation: understand the message, settle county and intent (using the
session for follow-ups like "那屯留呢"), and answer from the county's data.

Pure apart from the session dict it updates: the date and the channel's default county are
arguments, so every channel and every test gets the same answer for the same turn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from intents import CONFIDENCE_THRESHOLD, Understanding, understand
from policy_faq import Registry
from policy_faq.answers import ANSWERS, answer, clip, fits_one_reply, slot_date
from policy_faq.calculator import period_at
from policy_faq.render import render

SMALL_TALK = ("greeting", "thanks", "help", "human", "reset", "out_of_scope")
# Slots that describe the resident's situation and carry over to follow-up questions.
CARRIED = ("categories", "date", "date_precision", "birth_date", "child_age_days", "age_days",
           "migrant", "student", "non_local", "employee_insurance", "armed_police",
           "residence_permit", "offline", "channels", "township", "amount")
# "为什么这么少", "为啥不是400": asking why about the last answer.
WHY = re.compile(r"^(?:(为什么|为啥|为何).{0,12}$|(咋|怎么)(这么|那么|比|不是|才|只))")
# "那咋办", "还有别的办法吗": what to do about the last answer.
WHAT_NOW = re.compile(r"^那?(怎么办|咋办|咋整|怎么弄)|(还有|有没有)(别的|其他|其它)(办法|法子|路子)")
SEVERE_GRADE = re.compile(r"[一二12]级|重度|重残")
MILD_GRADE = re.compile(r"[三四34]级|轻度|轻的")
AMOUNT_ASKED = re.compile(r"交多少|多少钱|缴多少|掏多少|几多钱|要交几")
WHERE_ASKED = re.compile(r"去哪交|在哪交|哪里交|到哪交|怎么交|咋交|在哪缴|去哪缴|怎么缴")
# "咱屯留", "我们遂平": the county a comparison is asked from.
OWN_COUNTY = re.compile(r"(?:我们?|咱们?|俺们?|本)(?:这边|这里)?$")  # 咱 and 俺 arrive normalised to 我
# "他又是残疾人": one more identity of the same person.
ALSO_WORDS = ("又是", "也是", "同时是", "还是个", "另外还是")
# What the replies tell residents to send ("回复“渠道”查看缴费步骤").
MENU_WORDS = {"缴费标准": "fee", "渠道": "channel", "截止时间": "deadline", "新生儿": "newborn",
              "待遇": "benefit_start", "登记": "registration", "帮助": "help", "菜单": "help"}


@dataclass
class Turn:
    reply: str
    intent: str
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)
    debug: dict[str, Any] = field(default_factory=dict)
    answered: bool = True


def _county_names(registry: Registry) -> list[str]:
    return registry.names()


def respond(text: str, session: dict[str, Any], today: dt.date, registry: Registry,
            default_county: str | None = None, intent_hint: str | None = None) -> Turn:
    """Answer one message; `session` is read and updated in place."""
    u = understand(text, today)
    intent, confidence = u.intent, u.confidence
    if intent_hint in ANSWERS or intent_hint in SMALL_TALK:
        intent, confidence = intent_hint, 1.0
    elif u.text in MENU_WORDS:
        intent, confidence = MENU_WORDS[u.text], 1.0

    why = bool(session.get("last_intent")) and (WHY.match(u.text) is not None
                                                or WHAT_NOW.search(u.text) is not None)
    if why and session.get("county"):
        # "为什么比金寨贵": a comparison names another county without moving the conversation
        u = dataclasses.replace(u, slots={k: v for k, v in u.slots.items() if k != "county"})
    county_slug = _settle_county(u, session, registry, default_county)
    if county_slug == "unknown":
        return Turn(render("dialogue/unknown_county.j2", counties=_county_names(registry)),
                    "unknown_county", confidence, dict(u.slots), answered=False)

    bare = why or _bare_followup(u, session) or _continues(intent, u, session)
    followup = intent is None or (u.followup and confidence < CONFIDENCE_THRESHOLD) or bare
    if followup:
        intent = session.get("pending") or session.get("last_intent") or _guess_from_slots(u)
        # read in the conversation's context, the question is the last one again: answer it
        confidence = max(confidence, u.confidence, CONFIDENCE_THRESHOLD if bare else 0.0)
    slots = _merge_slots(session, u, followup)
    if followup:
        slots = _refine_grade(slots, u.text)

    turn = _answer(intent, confidence, slots, u, session, today, registry, county_slug)
    if u.slots.get("id_number"):
        turn.reply = clip(render("dialogue/id_masked.j2") + "\n" + turn.reply)
    turn.debug["understanding"] = {"text": u.text, "intent": u.intent,
                                   "confidence": u.confidence, "followup": u.followup}
    return turn


def _bare_followup(u: Understanding, session: dict[str, Any]) -> bool:
    """"我和老婆两个人呢", "二级的": nothing recognised, but in a conversation it reads as a
    detail added to the last question."""
    return (u.intent == "out_of_scope" and u.confidence <= 0.2 and bool(session.get("last_intent"))
            and (u.text.endswith(("呢", "呐")) and len(u.text) <= 16 or len(u.text) <= 8))


SUBJECT_SLOTS = {"categories", "county", "birth_date", "child_age_days", "township"}
TIMING = ("deadline", "late_payment", "benefit_start")


def _continues(intent: str | None, u: Understanding, session: dict[str, Any]) -> bool:
    """A new question about the same subject: "是夫妻俩都资助吗" after "计生户交多少", or "现在还能
    交吗" after talking about a baby. Its slots carry over; a new subject starts afresh."""
    last = session.get("last_intent")
    if not last or set(u.slots) & SUBJECT_SLOTS:
        return False
    return intent == last or (last == "newborn" and intent in TIMING)


def _refine_grade(slots: dict[str, Any], text: str) -> dict[str, Any]:
    """"残疾人交多少" then "二级的": the grade narrows the broad disability category."""
    categories = list(slots.get("categories") or [])
    if "disabled" not in categories:
        return slots
    grade = ("disabled_severe" if SEVERE_GRADE.search(text) else
             "disabled_mild" if MILD_GRADE.search(text) else None)
    if grade is None:
        return slots
    return slots | {"categories": [grade if c == "disabled" else c for c in categories]}


def _settle_county(u: Understanding, session: dict[str, Any], registry: Registry,
                   default_county: str | None) -> str | None:
    """A county named in the text wins and is remembered; then the session's; then the channel's."""
    named = _own_county(u, registry) or u.slots.get("county")
    if named:
        policy = registry.find(named)
        if policy is None:
            return "unknown"
        session["county"] = policy.county.slug
        return policy.county.slug
    if session.get("county"):
        return session["county"]
    if default_county:
        policy = registry.find(default_county)
        if policy is not None:
            session["county"] = policy.county.slug
            return policy.county.slug
    return None


def _own_county(u: Understanding, registry: Registry) -> str | None:
    """With two counties named ("金寨那边才交38 咱屯留是不是也是"), the one said as 咱/我们 is the
    asker's."""
    if not u.slots.get("other_counties"):
        return None
    for slug in [u.slots.get("county"), *u.slots["other_counties"]]:
        policy = registry.find(slug) if slug else None
        if policy is None:
            continue
        for name in sorted({policy.county.name, policy.county.short, *policy.county.aliases},
                           key=len, reverse=True):
            at = u.text.find(name)
            if at > 0 and OWN_COUNTY.search(u.text[max(0, at - 4):at]):
                return policy.county.slug
    return None


def _guess_from_slots(u: Understanding) -> str | None:
    if u.slots.get("categories"):
        return "subsidy"
    if u.slots.get("birth_date") or u.slots.get("child_age_days") is not None:
        return "newborn"
    if u.slots.get("channels") or u.slots.get("offline"):
        return "channel"
    if u.slots.get("township"):
        return "tasks"
    if u.slots.get("date"):
        return "deadline"
    return None


def _merge_slots(session: dict[str, Any], u: Understanding, followup: bool) -> dict[str, Any]:
    new = {k: v for k, v in u.slots.items() if k in CARRIED}
    carried = dict(session.get("slots") or {})
    if new.get("categories") and any(w in u.text for w in ALSO_WORDS):
        # "他又是重度残疾": an identity added to the ones already given, not a new person
        before = [c for c in carried.get("categories") or [] if c not in new["categories"]]
        new = new | {"categories": before + new["categories"]}
    if not followup:
        return new
    if "date" in new:  # a new date replaces the old one and its precision
        carried.pop("date_precision", None)
    return carried | new


def _answer(intent: str | None, confidence: float, slots: dict[str, Any], u: Understanding,
            session: dict[str, Any], today: dt.date, registry: Registry,
            county_slug: str | None) -> Turn:
    counties = _county_names(registry)
    policy = registry.find(county_slug, today) if county_slug else None
    county_name = policy.county.name if policy else None
    shown = slots | ({"county": county_name} if county_name else {})

    if intent is None or (intent not in SMALL_TALK and confidence < CONFIDENCE_THRESHOLD):
        if u.slots.get("county") and not (set(u.slots) - {"county"}):
            session.pop("pending", None)
            return Turn(render("dialogue/county_set.j2", county=county_name), "county",
                        confidence, shown)
        return Turn(render("dialogue/menu.j2", reason="fallback", county=county_name,
                           counties=counties), "fallback", confidence, shown, answered=False)
    if intent == "reset":
        session.clear()
        return Turn(render("dialogue/reset.j2"), intent, confidence)
    if intent in ("greeting", "help"):
        return Turn(render("dialogue/menu.j2", reason=intent, county=county_name, counties=counties),
                    intent, confidence, shown)
    if intent == "thanks":
        return Turn(render("dialogue/thanks.j2"), intent, confidence, shown)
    if intent == "out_of_scope":
        return Turn(render("dialogue/menu.j2", reason=intent, county=county_name,
                           counties=counties), intent, confidence, shown, answered=False)
    if intent == "human" and policy is None:
        return Turn(render("dialogue/human.j2"), intent, confidence, shown)

    if policy is None:  # ask once, answer when the county arrives
        session["pending"] = intent
        session["slots"] = slots
        return Turn(render("dialogue/ask_county.j2", counties=counties), intent, confidence, shown)

    intent = _refine(intent, slots, u, policy)
    session.pop("pending", None)
    session["last_intent"] = intent
    session["slots"] = slots
    result = answer(intent, policy, slots | {"_text": u.text}, today)
    text, citations = result.text, result.citations
    others = _second_questions(u, intent)
    if others:  # "交多少钱 在哪交": answer the second question too when both fit one reply
        extra = answer(others[0], policy, slots | {"_text": u.text}, today)
        if fits_one_reply(text + "\n\n" + extra.text):
            text = text + "\n\n" + extra.text
            citations = citations + [c for c in extra.citations if c not in citations]
        else:
            text = clip(text + "\n" + render("dialogue/more.j2", intent=others[0]))
    return Turn(text, intent, confidence, shown, citations, result.debug)


def _refine(intent: str, slots: dict[str, Any], u: Understanding, policy: Any) -> str:
    """What the county's data says the question is really about: a fee follow-up that names a
    category asks for that category's subsidy; a fee question for a date in a late-payment
    period is a late-payment question."""
    if intent == "fee" and u.intent is None and u.slots.get("categories"):
        return "subsidy"
    if intent == "channel" and AMOUNT_ASKED.search(u.text) and WHERE_ASKED.search(u.text):
        # "交多少 去哪交": the amount first, the channel as the second answer
        return "subsidy" if slots.get("categories") else "fee"
    if intent in ("deadline", "late_payment", "benefit_start", "fee") and (
            slots.get("birth_date") or slots.get("child_age_days") is not None):
        return "newborn"  # a child's own window decides when and how much
    day = slot_date(slots.get("date"))
    if intent == "fee" and day is not None:
        period = period_at(policy, day, bool(slots.get("migrant")))
        if period is not None and period.kind == "late":
            return "late_payment"
    return intent


def _second_questions(u: Understanding, intent: str) -> list[str]:
    """Other questions in the same message: what intents reports in `Understanding.also`, and
    the common pair "交多少 … 去哪交" asked together."""
    others = [i for i in getattr(u, "also", ()) or () if i in ANSWERS and i != intent]
    if intent == "channel" and AMOUNT_ASKED.search(u.text):
        others.append("subsidy" if u.slots.get("categories") else "fee")
    elif intent in ("fee", "subsidy") and WHERE_ASKED.search(u.text):
        others.append("channel")
    return others
