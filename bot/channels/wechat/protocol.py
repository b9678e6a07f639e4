"""Signatures and the AES envelope of WeChat's safe mode (安全模式) and compatible mode.

The envelope: AESKey = base64(EncodingAESKey + "="), AES-256-CBC with IV = AESKey[:16];
plaintext = 16 random bytes | 4-byte big-endian length | message XML | AppID, PKCS#7-padded to
a multiple of 32 bytes; base64. Written on `cryptography` directly (wechatpy's `PrpCrypto` did
this before; what this module adds to it is kept):

* signatures are compared in constant time (`hmac.compare_digest`; wechatpy uses `!=`);
* the 16 random bytes that start each encrypted reply come from `secrets`
  (wechatpy's `random_string` uses `random.sample`);
* decryption checks the PKCS#7 padding and the length field, and turns every failure — bad
  base64, not a whole number of blocks, bad padding, a lying length field, non-UTF-8
  plaintext, another AppID — into one `DecryptError`; the envelope XML is parsed by `xmlsafe`
  (never by wechatpy's xmltodict);
* the account's `Cipher` is made once (each message still gets its own CBC context).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

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


BLOCK = 32  # WeChat pads to 32 bytes (two AES blocks)


class AccountCrypto:
    """Encrypt/decrypt for one account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, encoding_aes_key: str, appid: str):
        self.token = token
        self.appid = appid
        self._appid_bytes = appid.encode()
        self.key = base64.b64decode(encoding_aes_key + "=")
        if len(self.key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes (43 characters)")
        self._cipher = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypt: str) -> str:
        """Plaintext XML inside `encrypt` (base64). Raises DecryptError."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except ValueError:
            raise DecryptError("ciphertext is not base64") from None
        if not raw or len(raw) % BLOCK:
            raise DecryptError("ciphertext is not a whole number of blocks")
        try:
            decryptor = self._cipher.decryptor()
            plain = decryptor.update(raw) + decryptor.finalize()
        except Exception as exc:  # noqa: BLE001 - every failure here is "bad ciphertext"
            raise DecryptError(f"cannot decrypt ({type(exc).__name__})") from None
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding (wrong key or damaged ciphertext)")
        body = plain[16:-pad]  # 16 random bytes | 4-byte length | xml | appid
        if len(body) < 4:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise DecryptError("length field larger than the message")
        xml, from_id = body[4:4 + length], body[4 + length:]
        if not hmac.compare_digest(from_id, self._appid_bytes):
            raise DecryptError("message is for another AppID")
        try:
            return xml.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("plaintext is not UTF-8") from None

    def msg_signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sha1_signature(self.token, timestamp, nonce, encrypt)

    def encrypt(self, xml: str) -> str:
        """The Encrypt value (base64) carrying `xml`."""
        msg = xml.encode("utf-8")
        plain = b"".join((secrets.token_bytes(16), struct.pack(">I", len(msg)), msg,
                          self._appid_bytes))
        pad = BLOCK - len(plain) % BLOCK  # 1..32: a whole block of padding when aligned
        encryptor = self._cipher.encryptor()
        sealed = encryptor.update(plain + bytes((pad,)) * pad) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """The encrypted reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce): what
        wechatpy's `_encrypt_message` renders."""
        timestamp = timestamp or str(int(time.time()))
        encrypt = self.encrypt(xml)
        return _ENVELOPE.format(encrypt=encrypt, nonce=nonce, timestamp=timestamp,
                                signature=sha1_signature(self.token, timestamp, nonce, encrypt))


_ENVELOPE = ("<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
             "<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
             "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>")
