"""The handlers: one small method per command, plus plain text, buttons and errors.

They are wired in exactly one place, `bot.channels.telegram.app.build_application`.
Every handler here runs only for staff: `StaffGate` (handler group -1) stops everyone else.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import InlineKeyboardButtonLimit, ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.assistant import Assistant
from bot.channels.telegram.access import StaffGate
from bot.channels.telegram.prefs import Prefs, PrefsStore
from bot.channels.telegram.text import format_debug, html_pre_chunks, message_chunks
from bot.messages import Inbound

log = logging.getLogger(__name__)

CHANNEL = "telegram"
COUNTY_DATA = "county:"  # callback data: county:<name>, or county#<index> if the name is long
COUNTY_INDEX_DATA = "county#"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAYS = "一二三四五六日"

HELP_TEXT = (
    "医保问答助手 · 工作人员测试\n"
    "直接发文字，助手会像回答居民的微信消息一样回答。\n"
    "\n"
    "/county 选择县区\n"
    "/today 2025-12-20 把“今天”固定为某一天，用来测试缴费期限；只发 /today 恢复真实日期\n"
    "/debug on 每条回答后附上意图、置信度、槽位、计算器输入和引用；/debug off 关闭\n"
    "/reset 清空当前对话（固定日期和调试开关保留）\n"
    "/help 显示本说明"
)
START_TEXT = "您好！" + HELP_TEXT
EMPTY_ANSWER_TEXT = "（助手没有给出回答）"
ERROR_TEXT = "出错了，这条消息没有得到回答（错误已记录在服务器日志中）。"


def _date_label(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{_WEEKDAYS[day.weekday()]}）"


def _county_callback_data(index: int, name: str) -> str:
    data = COUNTY_DATA + name
    if len(data.encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        return data
    return f"{COUNTY_INDEX_DATA}{index}"


def county_keyboard(names: list[str], per_row: int = 2) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=_county_callback_data(i, name))
               for i, name in enumerate(names)]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def county_from_callback(data: str, names: list[str]) -> str | None:
    """The county a button's callback data names, if it is still one of `names`."""
    if data.startswith(COUNTY_DATA):
        name = data[len(COUNTY_DATA):]
        return name if name in names else None
    if data.startswith(COUNTY_INDEX_DATA):
        index = data[len(COUNTY_INDEX_DATA):]
        if index.isdigit() and int(index) < len(names):
            return names[int(index)]
    return None


async def send_plain(bot, chat_id: int, text: str) -> None:
    """Send `text` as plain text (no parse mode: any characters are safe), split at the limit."""
    for chunk in message_chunks(text):
        await bot.send_message(chat_id=chat_id, text=chunk)


async def send_pre(bot, chat_id: int, text: str) -> None:
    """Send `text` as HTML `<pre>` blocks, escaped, split at the limit."""
    for chunk in html_pre_chunks(text):
        await bot.send_message(chat_id=chat_id, text=chunk, parse_mode=ParseMode.HTML)


class TelegramHandlers:
    def __init__(self, assistant: Assistant, prefs: PrefsStore, gate: StaffGate):
        self.assistant = assistant
        self.prefs = prefs
        self.gate = gate

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _ids(update: Update) -> tuple[str, int]:
        return str(update.effective_user.id), update.effective_chat.id

    def _counties(self) -> list[str]:
        return list(self.assistant.county_names())

    # -- commands -----------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_plain(context.bot, update.effective_chat.id, START_TEXT)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_plain(context.bot, update.effective_chat.id, HELP_TEXT)

    async def county(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat_id = self._ids(update)
        names = self._counties()
        wanted = " ".join(context.args or []).strip()
        if wanted in names:
            await self.assistant.set_county(CHANNEL, user, wanted)
            await send_plain(context.bot, chat_id, f"县区已设为：{wanted}")
            return
        if not names:
            await send_plain(context.bot, chat_id, "还没有配置任何县区。")
            return
        prompt = f"没有找到县区“{wanted}”，请选择：" if wanted else "请选择县区："
        await context.bot.send_message(chat_id=chat_id, text=prompt,
                                       reply_markup=county_keyboard(names))

    async def county_chosen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        names = self._counties()
        name = county_from_callback(query.data or "", names)
        if name is None:
            await query.answer(text="这个县区已不在配置中，请重新发送 /county", show_alert=True)
            return
        await self.assistant.set_county(CHANNEL, str(query.from_user.id), name)
        await query.answer(text=f"已选择 {name}")
        if query.message is not None:
            try:
                await query.edit_message_text(text=f"县区已设为：{name}")
            except TelegramError as exc:  # e.g. the message is too old to edit
                log.info("telegram: could not edit county keyboard: %s", exc)
                await send_plain(context.bot, query.message.chat.id, f"县区已设为：{name}")

    async def stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer(text="这个按钮已失效。")

    async def today(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat_id = self._ids(update)
        args = context.args or []
        prefs = await self.prefs.get(user)
        if not args:
            await self.prefs.save(user, Prefs(today=None, debug=prefs.debug))
            await send_plain(context.bot, chat_id, "已恢复使用真实日期。")
            return
        day = None
        if len(args) == 1 and _DATE_RE.match(args[0]):
            try:
                day = dt.date.fromisoformat(args[0])
            except ValueError:
                day = None
        if day is None:
            await send_plain(context.bot, chat_id,
                             "日期格式不对。用法：/today 2025-12-20（只发 /today 恢复真实日期）")
            return
        await self.prefs.save(user, Prefs(today=day, debug=prefs.debug))
        await send_plain(context.bot, chat_id,
                         f"“今天”已固定为 {_date_label(day)}。发送 /today 恢复真实日期。")

    async def debug(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat_id = self._ids(update)
        args = [a.lower() for a in context.args or []]
        prefs = await self.prefs.get(user)
        if args in (["on"], ["off"]):
            on = args == ["on"]
            await self.prefs.save(user, Prefs(today=prefs.today, debug=on))
            await send_plain(context.bot, chat_id,
                             "调试信息已开启：每条回答后附上意图、置信度、槽位、计算器输入和引用。"
                             if on else "调试信息已关闭。")
            return
        state = "开启" if prefs.debug else "关闭"
        await send_plain(context.bot, chat_id, f"调试信息目前{state}。用法：/debug on 或 /debug off")

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat_id = self._ids(update)
        await self.assistant.reset(CHANNEL, user)
        prefs = await self.prefs.get(user)
        notes = []
        if prefs.today:
            notes.append(f"日期仍固定为 {prefs.today.isoformat()}")
        if prefs.debug:
            notes.append("调试信息仍开启")
        suffix = f"（{'，'.join(notes)}）" if notes else ""
        await send_plain(context.bot, chat_id, f"对话已重置。{suffix}")

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_plain(context.bot, update.effective_chat.id, "没有这个命令。\n\n" + HELP_TEXT)

    async def unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_plain(context.bot, update.effective_chat.id, "目前只支持文字消息。")

    # -- plain text: exactly what a resident's WeChat message would be ------------------------
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat_id = self._ids(update)
        prefs = await self.prefs.get(user)
        out = await self.assistant.handle(
            Inbound(channel=CHANNEL, user=user, text=update.message.text, today=prefs.today)
        )
        await send_plain(context.bot, chat_id, out.text if out.text.strip() else EMPTY_ANSWER_TEXT)
        if prefs.debug:
            await send_pre(context.bot, chat_id, format_debug(out, prefs.today))

    # -- errors ---------------------------------------------------------------------------------
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error("telegram: update failed: %s", error, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        if user is None or not self.gate.is_staff(user.id):
            return  # never an error message for anyone else
        if isinstance(error, (Forbidden, RetryAfter)):
            return  # the chat is gone, or Telegram asked us to slow down: don't add a message
        text = ERROR_TEXT
        try:
            if (await self.prefs.get(str(user.id))).debug and error is not None:
                text += f"\n{type(error).__name__}"
            await context.bot.send_message(chat_id=update.effective_chat.id, text=text)
        except Exception as exc:  # noqa: BLE001 - the error handler must not raise
            log.warning("telegram: could not report the error to the chat: %s", exc)
