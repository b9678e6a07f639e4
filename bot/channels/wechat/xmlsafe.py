"""Parsing WeChat's XML safely.

WeChat's messages are one flat `<xml>` element (a few events nest one level more). The body is
decoded as strict UTF-8, parsed by defusedxml with DTDs forbidden — so no entity declarations
at all: no XXE, no billion laughs, no external DTD — and turned into a dict of strings.
wechatpy's `parse_message` (xmltodict on the raw text) is never given the untrusted body;
`messages.parse_message` builds wechatpy's message classes from this dict instead.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 4
MAX_FIELDS = 200


class BadXML(Exception):
    """The body is not a WeChat XML message; `reason` is short and safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _to_value(el: Element, depth: int) -> Any:
    children = list(el)
    if not children:
        return el.text or ""
    if depth >= MAX_DEPTH:
        raise BadXML("XML nested too deeply")
    out: dict[str, Any] = {}
    for child in children:
        value = _to_value(child, depth + 1)
        if child.tag in out:  # repeated tag (e.g. <item> in SendPicsInfo/PicList) -> list
            prev = out[child.tag]
            out[child.tag] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[child.tag] = value
    return out


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The children of the root `<xml>` element as {tag: text or nested dict}. Raises BadXML."""
    if isinstance(body, bytes):
        if not body.strip():
            raise BadXML("empty body")
        if len(body) > MAX_BODY_BYTES:
            raise BadXML(f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadXML("body is not UTF-8") from None
    else:
        text = body
        if not text.strip():
            raise BadXML("empty body")
    text = text.removeprefix("\ufeff")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXML(f"forbidden XML construct ({type(exc).__name__})") from None
    except ParseError as exc:
        raise BadXML(f"malformed XML ({exc})") from None
    except (ValueError, RecursionError) as exc:
        raise BadXML(f"malformed XML ({type(exc).__name__})") from None
    if root.tag != "xml":
        raise BadXML(f"root element is <{str(root.tag)[:30]}>, not <xml>")
    if len(root) > MAX_FIELDS:
        raise BadXML("too many fields")
    value = _to_value(root, 0)
    return value if isinstance(value, dict) else {}
