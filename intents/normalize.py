"""Normalise a resident's message before matching.

Order: truncate -> NFKC (full-width -> half-width) -> traditional -> simplified (character table)
-> lower-case -> strip emoji / WeChat sticker codes / control characters / punctuation noise ->
typo and dialect table -> Chinese numerals -> collapse spaces.
ID numbers are masked by the caller (see intents.ids) before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

MAX_CHARS = 500  # residents' questions are short; the rest of a 10k paste is noise

_DATA = Path(__file__).with_name("data")

# Emoji and pictographs, variation selectors, ZWJ, control and format characters.
_NOISE = re.compile(
    "[\U0001F000-\U0001FAFF\U0001FB00-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\uFE00-\uFE0F"
    "\u200B-\u200F\u2028-\u202F\u2060-\u206F\uFEFF\x00-\x08\x0B-\x1F\x7F-\x9F\uE000-\uF8FF"
    "\U000E0000-\U000E007F]"
)
# WeChat sticker codes such as [微笑] [捂脸] and /::) style codes.
_STICKER = re.compile(r"\[[\u4e00-\u9fffa-z]{1,4}\]|/::?[^\s\u4e00-\u9fff]{1,3}")
# Punctuation that carries no meaning here; '.', '-', '/', ':', '、', '*', '%' are kept because
# dates (1.20, 2024-01-20), categories (1、2级) and masked IDs use them.
_PUNCT = re.compile(r"[,，。!！?？;；~～…·'\"“”‘’()（）\[\]【】{}<>《》「」『』|\\^_=+#@&$￥`]+")
_SPACES = re.compile(r"\s+")
# Spaces between two CJK characters (speech-to-text "金 寨 县") are dropped; spaces between latin
# words or digits stay.
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d]) (?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) (?=\d)")
_REPEAT = re.compile(r"(.)\1{3,}")  # 啊啊啊啊啊 -> 啊啊

# Typos and dialect -> the words the intent data uses. Longest first (regex alternation order).
TYPOS: dict[str, str] = {
    "低报": "低保", "底保": "低保", "抵保": "低保", "低包": "低保",
    "低宝": "低保", "五宝": "五保", "五包户": "五保户", "伍保": "五保",
    "交一保": "交医保", "缴一保": "缴医保", "一保费": "医保费", "一保局": "医保局", "一保卡": "医保卡",
    "监侧": "监测",
    "医宝": "医保", "医包": "医保", "衣保": "医保", "依保": "医保", "医饱": "医保",
    "新农合": "医保", "新农和": "医保", "农合": "医保", "合作医疗": "医保",
    "城乡居民基本医疗保险": "医保", "城乡居民医疗保险": "医保", "居民医疗保险": "医保",
    "城乡居民医保": "医保", "居民医保": "医保", "城乡医保": "医保", "基本医疗保险": "医保",
    "医疗保险": "医保", "合疗": "医保",
    "俺们": "我们", "咱们": "我们", "俺": "我", "咱": "我",
    "掏钱": "交钱", "掏": "交", "拿钱": "交钱", "出钱": "交钱", "缴钱": "交钱", "给钱": "交钱",
    "付钱": "交钱",
    "交费": "缴费", "教费": "缴费", "叫费": "缴费", "缴废": "缴费", "交纳": "缴纳",
    "啥时候": "什么时候", "啥时": "什么时候", "撒时候": "什么时候",
    "几时": "什么时候", "哪时候": "什么时候", "什么时间": "什么时候", "啥时间": "什么时候",
    "啥子": "什么", "啥": "什么", "撒子": "什么", "神马": "什么", "社么": "什么", "甚么": "什么",
    "咋个": "怎么", "咋": "怎么", "怎摸": "怎么", "怎莫": "怎么", "肿么": "怎么", "怎样": "怎么",
    "几多钱": "多少钱", "多钱": "多少钱", "好多钱": "多少钱", "几个钱": "多少钱", "多少米": "多少钱",
    "多少块": "多少钱", "多少元": "多少钱",
    "在哪里": "在哪", "在哪儿": "在哪", "哪儿": "哪里", "哪噶": "哪里",
    "娃娃": "孩子", "娃儿": "孩子", "小孩子": "孩子", "小孩": "孩子", "小娃": "孩子",
    "伢子": "孩子", "崽": "孩子", "娃": "孩子", "小宝宝": "宝宝", "宝贝": "宝宝",
    "木有": "没有", "没得": "没有", "冇": "没有",
    "手鸡": "手机", "支付包": "支付宝", "支护宝": "支付宝", "微心": "微信", "威信": "微信",
    "报消": "报销", "抱销": "报销", "宝销": "报销", "退废": "退费",
    "残废": "残疾", "残疾人证": "残疾证", "残积": "残疾", "残急": "残疾",
    "截至": "截止", "载止": "截止", "结止": "截止",
    "补交": "补缴", "捕缴": "补缴",
    "身分证": "身份证", "省份证": "身份证",
    "腊八": "腊月初8",
}
_TYPO_RE = re.compile("|".join(re.escape(k) for k in sorted(TYPOS, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    raw = (_DATA / "t2s.txt").read_text(encoding="utf-8").strip()
    return {ord(raw[i]): raw[i + 1] for i in range(0, len(raw) - 1, 2)}


def clean(text: str) -> str:
    """Width, script, case and noise only (no typo or numeral rewriting)."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
    text = text.translate(_t2s_table()).lower()
    text = _NOISE.sub("", text)
    text = _STICKER.sub(" ", text)
    text = _PUNCT.sub(" ", text)
    text = _REPEAT.sub(r"\1\1", text)
    text = _SPACES.sub(" ", text).strip()
    return _CJK_SPACE.sub("", text)[:MAX_CHARS]


def fix_words(text: str) -> str:
    from intents.numbers import convert_numerals

    text = _TYPO_RE.sub(lambda m: TYPOS[m.group()], text)
    return convert_numerals(text)


def normalize(text: str) -> str:
    """Full normalisation used for matching (and for the vocabulary/intent data at load time)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return fix_words(clean(text))
