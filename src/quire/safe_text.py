"""Making untrusted text safe to show on a terminal.

Titles, abstracts, authors, ids and notes come from files and feeds that strangers wrote. Printed
as they are, an ``ESC ]0;…BEL`` retitles the window, ``ESC[2J`` clears the screen, OSC 52 writes
the clipboard and bidi overrides make text read differently from what it is. ``safe_text`` is the
one place that turns such text into characters a terminal only draws: every C0 and C1 control,
DEL, lone surrogates and the bidi embedding/override/isolate marks become visible stand-ins, so
the user still sees that something odd was there. Newlines and tabs stay only where a field is
meant to span lines (abstracts, notes).

Markup is a separate concern: the reader shows text as Rich ``Text`` (never as markup), so square
brackets need no escaping here.
"""

from __future__ import annotations

# C0 controls become the Unicode "control pictures" (ESC -> ␛, BEL -> ␇), DEL becomes ␡: they
# show where the control was and what it was, yet are ordinary printable characters.
_PICTURES: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
# C1 controls (0x80-0x9F: 0x9B is a one-byte CSI, 0x9D a one-byte OSC), bidi marks and overrides,
# and lone surrogates (which cannot even be encoded for output) become the replacement character.
_REPLACED = [
    *range(0x80, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    *range(0xD800, 0xE000),
]

_SINGLE_LINE: dict[int, str] = {
    **_PICTURES,
    **dict.fromkeys(_REPLACED, "\ufffd"),
    # Whitespace controls in a one-line field (a title, an author) read best as a space.
    0x09: " ",
    0x0A: " ",
    0x0B: " ",
    0x0C: " ",
    0x0D: " ",
    0x2028: " ",
    0x2029: " ",
}
_MULTI_LINE: dict[int, str] = {**_SINGLE_LINE, 0x09: "\t", 0x0A: "\n", 0x2028: "\n", 0x2029: "\n"}


def safe_text(text: str, multiline: bool = False) -> str:
    """``text`` with nothing a terminal would act on: controls and bidi marks made visible.

    With ``multiline`` newlines and tabs are kept (a carriage return ending a line is dropped, a
    lone one becomes a newline); otherwise every line break and tab becomes a space.
    """
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_MULTI_LINE if multiline else _SINGLE_LINE)
