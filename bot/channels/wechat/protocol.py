"""Signatures and the AES envelope of WeChat's safe mode (安全模式) and compatible mode.

Built on wechatpy (`wechatpy.crypto`), with three fixes kept in this module:

* signatures are compared in constant time (`hmac.compare_digest`; wechatpy uses `!=`);
* the 16 random bytes that start each encrypted reply come from `secrets`
  (wechatpy's `random_string` uses `random.sample`);
* decryption checks what wechatpy's `PrpCrypto.decrypt` does not (PKCS#7 padding, the length
  field) and turns every failure — bad base64, not a whole number of blocks, bad padding, a
  lying length field, non-UTF-8 plaintext, another AppID — into one `DecryptError` (wechatpy
  lets ValueError, binascii.Error, struct.error, UnicodeDecodeError ... escape, and reports
  garbage as "invalid AppID"); the envelope XML is never handed to wechatpy's own xmltodict
  parser (it is parsed by `xmlsafe` first). Encryption is wechatpy's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time

from wechatpy.crypto import BaseWeChatCrypto, PrpCrypto
from wechatpy.crypto.base import WeChatCipher

NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")


class DecryptError(Exception):
    """The Encrypt field could not be decrypted (or belongs to another AppID)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the lexicographically sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def timestamp_fresh(timestamp: str, window: int, now: float | None = None) -> bool:
    """True when `timestamp` is within `window` seconds of now (window 0 = no check)."""
    if not TIMESTAMP_RE.match(timestamp or ""):
        return False
    if window <= 0:
        return True
    now = time.time() if now is None else now
    return abs(now - int(timestamp)) <= window


class _SecurePrpCrypto(PrpCrypto):
    def get_random_string(self) -> str:
        return secrets.token_hex(8)  # 16 random characters, one urandom call


class AccountCrypto(BaseWeChatCrypto):
    """Encrypt/decrypt for one account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, encoding_aes_key: str, appid: str):
        super().__init__(token, encoding_aes_key, appid)
        self.appid = appid
        # made once per account (building them is a good part of a message's cost)
        self._cipher = WeChatCipher(self.key)
        self._prp = _SecurePrpCrypto(self.key)

    def decrypt(self, encrypt: str) -> str:
        """Plaintext XML inside `encrypt` (base64). Raises DecryptError."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except ValueError:
            raise DecryptError("ciphertext is not base64") from None
        if not raw or len(raw) % 32:
            raise DecryptError("ciphertext is not a whole number of blocks")
        try:
            plain = self._cipher.decrypt(raw)
        except Exception as exc:  # noqa: BLE001 - every failure here is "bad ciphertext"
            raise DecryptError(f"cannot decrypt ({type(exc).__name__})") from None
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding (wrong key or damaged ciphertext)")
        body = plain[16:-pad]  # 16 random bytes | 4-byte length | xml | appid
        if len(body) < 4:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise DecryptError("length field larger than the message")
        xml, from_id = body[4:4 + length], body[4 + length:]
        if not hmac.compare_digest(from_id, self.appid.encode()):
            raise DecryptError("message is for another AppID")
        try:
            return xml.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("plaintext is not UTF-8") from None

    def msg_signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sha1_signature(self.token, timestamp, nonce, encrypt)

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """The encrypted reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce): what
        wechatpy's `_encrypt_message` renders, with the account's cipher made once."""
        timestamp = timestamp or str(int(time.time()))
        encrypt = self._prp.encrypt(xml, self.appid).decode("ascii")
        return _ENVELOPE.format(encrypt=encrypt, nonce=nonce, timestamp=timestamp,
                                signature=sha1_signature(self.token, timestamp, nonce, encrypt))


_ENVELOPE = ("<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
             "<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
             "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>")
