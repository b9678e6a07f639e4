"""Parsing WeChat's XML safely, and cheaply.

WeChat's messages are one flat `<xml>` element (a few events nest one level more). The body is
decoded as strict UTF-8 and parsed by expat directly (the C parser behind ElementTree) with
handlers that refuse any document type declaration — so no entity declarations at all: no
XXE, no billion laughs, no external DTD (what defusedxml's `forbid_dtd` does, without
defusedxml's pure-Python ElementTree builder, which cost more than the rest of a message).
Undeclared entity references are expat errors; only the five predefined ones are expanded.
The elements become a dict of strings as they are read; limits on depth and field count are
enforced while parsing. wechatpy's `parse_message` (xmltodict on the raw text) is never given
the untrusted body.
"""

from __future__ import annotations

from typing import Any, NoReturn
from xml.parsers import expat

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 4  # an element at this depth (the root is 0) may not have children
MAX_FIELDS = 200  # children of the root


class BadXML(Exception):
    """The body is not a WeChat XML message; `reason` is short and safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refuse_dtd(*_: object) -> NoReturn:
    raise BadXML("forbidden XML construct (DTD)")


def _refuse_entity(*_: object) -> NoReturn:
    raise BadXML("forbidden XML construct (entity)")


class _Builder:
    """expat callbacks building {tag: text or nested dict} (repeated tags -> list), the shape
    ElementTree + the old `_to_value` produced: a leaf's value is its text, an element with
    children is a dict of them (text between children is ignored)."""

    __slots__ = ("stack", "result", "fields")

    def __init__(self) -> None:
        # one frame per open element: [tag, text so far, children dict or None]
        self.stack: list[list[Any]] = []
        self.result: Any = None
        self.fields = 0

    def start(self, tag: str, _attrs: object) -> None:
        stack = self.stack
        depth = len(stack)
        if "}" in tag:  # namespaced: ElementTree's "{uri}name"
            tag = "{" + tag
        if depth == 1:  # a field of the message: the common case
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise BadXML("too many fields")
        elif depth == 0:
            if tag != "xml":
                raise BadXML(f"root element is <{tag[:30]}>, not <xml>")
            stack.append([tag, "", {}])
            return
        elif depth > MAX_DEPTH:
            raise BadXML("XML nested too deeply")
        parent = stack[-1]
        if parent[2] is None:
            parent[2] = {}
        stack.append([tag, "", None])

    def end(self, _tag: str) -> None:
        stack = self.stack
        tag, text, children = stack.pop()
        value = text if children is None else children
        if not stack:
            self.result = value
            return
        siblings = stack[-1][2]
        if tag in siblings:  # repeated tag (e.g. <item> in SendPicsInfo/PicList) -> list
            prev = siblings[tag]
            siblings[tag] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            siblings[tag] = value

    def text(self, data: str) -> None:
        # character data only occurs inside the root; with buffer_text a run of text (CDATA
        # included) usually comes in one piece
        self.stack[-1][1] += data


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        text = body
    else:
        if len(body) > MAX_BODY_BYTES:
            raise BadXML(f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadXML("body is not UTF-8") from None
    if not text.strip():
        raise BadXML("empty body")
    return text.removeprefix("\ufeff")


def _parser(builder: _Builder) -> Any:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True  # one text callback per run of text, CDATA included
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # a document type declaration is refused where it starts: nothing of it is processed
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    return parser


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The children of the root `<xml>` element as {tag: text or nested dict}. Raises BadXML."""
    text = _decode(body)
    builder = _Builder()
    try:
        # a str is handed to expat as UTF-8, whatever the XML declaration says
        _parser(builder).Parse(text, True)
    except expat.ExpatError as exc:  # the message names a position, never the content
        raise BadXML(f"malformed XML ({exc})") from None
    except (ValueError, RecursionError) as exc:
        raise BadXML(f"malformed XML ({type(exc).__name__})") from None
    return builder.result
