"""The Anthropic Messages API surface: ``/v1/messages`` routed through the one router.

To an Anthropic-wire upstream requests pass through (``passthrough``); to any other upstream they
are translated to chat completions (``to_chat``) and the answers back (``from_chat``,
``chat_events``). Errors leave in Anthropic's shape (``errors``).
"""
