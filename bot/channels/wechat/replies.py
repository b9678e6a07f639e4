"""Reply XML, safe for any text, and splitting long answers at sensible places."""

from __future__ import annotations

import re
import time

PASSIVE_LIMIT = 2048  # bytes of UTF-8 WeChat accepts in a passive text reply
CUSTOMER_SERVICE_LIMIT = 2048  # and per customer-service text message (kept the same)

# characters XML 1.0 cannot carry at all (a reply containing one is rejected by WeChat)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text that cannot break a CDATA section or the XML around it: `]]>` is removed (also
    when removing one forms another) and characters XML cannot carry are dropped."""
    text = _XML_ILLEGAL.sub("", text or "") if text else ""
    while "]]>" in text:
        text = text.replace("]]>", "")
    return text


def render_text(to_user: str, from_account: str, content: str,
                create_time: int | None = None) -> str:
    """A passive text reply, every field cleaned. The same XML as wechatpy's TextReply
    (`test_render_matches_wechatpy`), from a template: it is on every message's path."""
    return _TEXT_TEMPLATE.format(
        to=clean_text(to_user), source=clean_text(from_account),
        time=int(create_time if create_time is not None else time.time()),
        content=clean_text(content))


_TEXT_TEMPLATE = ("<xml>\n<MsgType><![CDATA[text]]></MsgType>\n"
                  "<Content><![CDATA[{content}]]></Content>\n"
                  "<FromUserName><![CDATA[{source}]]></FromUserName>\n"
                  "<ToUserName><![CDATA[{to}]]></ToUserName>\n"
                  "<CreateTime>{time}</CreateTime>\n</xml>")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix_within(text: str, limit: int) -> int:
    """Number of characters of `text` whose UTF-8 encoding fits in `limit` bytes."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return len(text)
    return len(encoded[:limit].decode("utf-8", errors="ignore"))


# where to cut, best first; each pattern matches the END of a piece
_BREAKS = [
    re.compile(r"\n\s*\n"),  # paragraph
    re.compile(r"\n"),  # line
    re.compile(r"[。！？!?；;]+[”’」』）)]*"),  # sentence
    re.compile(r"[，、,：:]"),  # clause
    re.compile(r"\s"),  # word (for Latin text)
]


def split_text(text: str, limit: int = PASSIVE_LIMIT, first_limit: int | None = None) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-8 bytes (`first_limit` for the first),
    cutting at a paragraph, else a line, a sentence, a clause, a space — never inside a
    character. A cut is only taken if it keeps at least a third of the allowed size."""
    text = text.strip()
    parts: list[str] = []
    while text:
        cap = first_limit if (first_limit is not None and not parts) else limit
        if utf8_len(text) <= cap:
            parts.append(text)
            break
        n = _prefix_within(text, cap)
        window = text[:n]
        cut = 0
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window)]
            good = [e for e in ends if e >= n // 3]
            if good:
                cut = good[-1]
                break
        if cut <= 0:
            cut = max(n, 1)
        piece = text[:cut].rstrip()
        if piece:
            parts.append(piece)
        text = text[cut:].lstrip()
    return parts


def more_offer(remaining: str) -> str:
    """The line offering the rest: names the next section when it starts with a heading."""
    first = remaining.strip().splitlines()[0] if remaining.strip() else ""
    m = re.match(r"^[\s#*【\[]*([\u4e00-\u9fff]{2,8})[】\]]?\s*[:：]?\s*$", first) or \
        re.match(r"^[【\[]([\u4e00-\u9fff]{2,8})[】\]]", first)
    label = m.group(1) if m else "余下内容"
    return f"（内容较长，回复 1 查看{label}）"


# -- the channel's own texts -----------------------------------------------------------------
EXAMPLES = ("今年居民医保一年交多少钱？", "在哪里交、怎么交？", "缴费截止到什么时候？",
            "新生儿怎么参保？", "低保户、特困人员有没有资助？")


def welcome_text(county: str | None) -> str:
    where = f"{county}" if county else ""
    lines = [f"您好，欢迎关注{where}城乡居民医保问答助手！",
             "您可以直接打字或发语音问我，例如："]
    lines += [f"· {q}" for q in EXAMPLES]
    lines.append("也可以点下方菜单查看缴费标准、缴费渠道、新生儿参保、资助政策等。")
    lines.append("需要人工帮助请回复“人工”。")
    return "\n".join(lines)


def unsupported_text(what: str, county: str | None) -> str:
    where = f"{county}" if county else ""
    return (f"抱歉，我暂时看不懂{what}。我是{where}居民医保问答助手，请用文字或语音提问，"
            "例如：今年交多少钱、在哪里交、什么时候截止、新生儿怎么参保、有哪些资助政策。")


VOICE_EMPTY_TEXT = ("抱歉，没有听清您的语音。请靠近话筒、用普通话慢一点再说一遍，"
                    "或者直接打字问我，例如“今年交多少钱”。")
HOLDING_TEXT_CS = "正在为您查询，请稍候，答案马上发给您。"
HOLDING_TEXT_NO_CS = "正在为您查询，请稍等几秒后回复 1 查看答案。"
PENDING_TEXT = "还在查询中，请稍等几秒后再回复 1。"
ERROR_TEXT = "抱歉，系统暂时出了点问题，请稍后再试，或回复“人工”联系工作人员。"
