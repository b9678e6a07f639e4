"""WeChat Official Account (公众号) channel: the webhook WeChat's servers call.

    channel = WeChatChannel(settings.wechat, assistant, store, default_county=settings.county)
    routes = channel.routes()        # one Starlette Route per account (/wechat, /wechat/<slug>)

Modules: protocol (signatures, AES), xmlsafe (expat parsing, DTDs refused), messages (dict ->
Incoming), replies (reply XML, splitting), dedupe (retries), api (customer-service
and menu APIs over httpx), menu (per-county menus), logutil (masking), channel (the webhook).
"""

from bot.channels.wechat.channel import WeChatChannel

__all__ = ["WeChatChannel"]
