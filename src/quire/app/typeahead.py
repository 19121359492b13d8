"""Keys typed ahead go where a slow typist's keys would go.

Textual hands each key to the widget that has focus when the app takes the key from its queue.
A key that moves focus (``/`` focuses the search bar, Enter in the bar gives the list focus
back, ``t`` opens the tag editor) moves it only when its binding runs, after the key has
travelled from the focused widget up through its parents; ``Widget.focus`` itself is deferred
through ``call_later``. Keys that arrived together with it (a paste, a fast typist, a busy
machine) have by then been handed to the old widget: query letters land on the list, where
``b``, ``r`` and ``t`` act on a paper.

``OrderedKeysApp`` holds each key (and paste) until everything the key before it set off has
been handled: the app and every widget of the active screen have no message waiting or being
handled, so bindings have run, the messages they posted (``Input.Submitted``) have been handled
and deferred focus changes are done. Only then does the next key go out, to whatever has focus
now. Keys typed slowly pass straight through: the gate holds a key only while another is on
its way.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.app import App

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

ReturnType = TypeVar("ReturnType")

# A safety net, not a delay: a key waits for the one before it at most this long (a handler
# that never finishes must not swallow the keyboard). Handling a key takes milliseconds.
KEY_HOLD_LIMIT = 2.0
# Consecutive quiet looks, one event-loop turn apart, before the next key goes out: a task the
# last key started (an async worker opening a dialog) gets its turn to post its first message.
QUIET_LOOKS = 3


def _waiting(pump: MessagePump) -> bool:
    """Whether a pump has a message waiting to be handled."""
    return not pump._message_queue.empty()


class OrderedKeysApp(App[ReturnType]):
    """An app whose keys reach the widget a slow typist's keys would reach."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_keys: deque[events.Key | events.Paste] = deque()
        self._key_on_its_way = False
        self._key_watch: asyncio.Task[None] | None = None

    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes from the terminal go out one at a time, each when the one before
        it has been handled; every other event passes through."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._key_on_its_way:
                self._held_keys.append(event)
                return
            self._key_on_its_way = True
            await self._send_key(event)
            return
        await super().on_event(event)

    async def _send_key(self, event: events.Key | events.Paste) -> None:
        try:
            await super().on_event(event)
        finally:
            self._key_watch = asyncio.create_task(self._release_when_quiet())

    async def _release_when_quiet(self) -> None:
        await self._quiet()
        if not self.call_later(self._next_key):
            self._key_on_its_way = False  # the app is closing: nothing more goes out

    async def _next_key(self) -> None:
        if not self._held_keys:
            self._key_on_its_way = False
            return
        await self._send_key(self._held_keys.popleft())

    def _pumps(self) -> list[MessagePump]:
        pumps: list[MessagePump] = [self]
        if self.screen_stack:  # none before the first screen is pushed
            pumps += self.screen_stack[-1].walk_children(with_self=True)
        return pumps

    async def _quiet(self) -> None:
        """Return once the app and the active screen's widgets have handled all they were
        sent, or after ``KEY_HOLD_LIMIT``.

        A handler runs from start to end in one turn of the event loop unless it awaits, and
        what it sets off (a key bubbling to the parent, a posted message, a deferred focus) is
        queued before it returns: so once every queue has stayed empty for a few turns, the
        key and all it caused have been handled.
        """
        deadline = monotonic() + KEY_HOLD_LIMIT
        looks = 0
        while looks < QUIET_LOOKS and self.is_running and monotonic() < deadline:
            await asyncio.sleep(0)
            looks = 0 if any(_waiting(pump) for pump in self._pumps()) else looks + 1
