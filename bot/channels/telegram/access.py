"""Access control: only TELEGRAM_STAFF_IDS may use the bot.

`StaffGate` runs before every other handler (handler group -1). For anyone else it sends one
refusal — which tells them their numeric user id, so an administrator can add a new staff
member — and stops the update there: no answer, no command, no error message, ever. Later
messages from the same person get nothing (the refusal is remembered in the Store); their
button presses are acknowledged silently so the client stops its spinner.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.stores import Store

log = logging.getLogger(__name__)

REFUSAL_TTL_SECONDS = 30 * 24 * 3600
REFUSAL_TEXT = (
    "此机器人仅供医保经办工作人员测试使用。\n"
    "您的 Telegram 用户编号是 {user_id}；如需使用，请把这个编号交给管理员。"
)


def refusal_key(user_id: int) -> str:
    return f"telegram-refused:{user_id}"


class StaffGate:
    def __init__(self, staff_ids: frozenset[int], store: Store,
                 refusal_ttl_seconds: int = REFUSAL_TTL_SECONDS):
        self.staff_ids = staff_ids
        self._store = store
        self._ttl = refusal_ttl_seconds

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.staff_ids

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            raise ApplicationHandlerStop
        user = update.effective_user
        if user is not None and self.is_staff(user.id):
            return  # let the other handler groups run
        if user is None:
            raise ApplicationHandlerStop  # channel posts and the like: ignore
        message = update.message
        query = update.callback_query
        if message is None and query is None:
            raise ApplicationHandlerStop  # e.g. someone blocking the bot: no reply possible
        first = await self._store.claim(refusal_key(user.id), self._ttl)
        log.info("telegram: refused user %s (%s)", user.id, "first time" if first else "again")
        try:
            text = REFUSAL_TEXT.format(user_id=user.id)
            if query is not None:
                await query.answer(text=text if first else None, show_alert=first)
            elif first:
                await context.bot.send_message(chat_id=message.chat_id, text=text)
        except TelegramError as exc:
            log.warning("telegram: could not send refusal to %s: %s", user.id, exc)
        raise ApplicationHandlerStop
