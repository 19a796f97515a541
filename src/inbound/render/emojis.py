"""The system emoji by name: which names exist (reactions must use one), the character a name
stands for, and the catalogue the web app's picker searches. All from the ``emoji`` package's
English names and aliases (``thumbs_up``, ``+1``, ``thumbsup``), with Mattermost's name rule."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import emoji
import orjson

from inbound.models import is_valid_emoji_name

FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
PREFERRED = ("+1", "-1")  # Mattermost's names for 👍 and 👎, before ``thumbsup``


@lru_cache(maxsize=1)
def _glyphs() -> dict[str, str]:
    """Every valid name → its character (the fully qualified one where a name has several)."""
    found: dict[str, str] = {}
    for char, data in emoji.EMOJI_DATA.items():
        for code in (data["en"], *data.get("alias", ())):
            name = code.strip(":")
            if is_valid_emoji_name(name) and (
                name not in found or data["status"] == FULLY_QUALIFIED
            ):
                found[name] = char
    return found


def is_system_emoji(name: str) -> bool:
    return name in _glyphs()


def glyph(name: str) -> str:
    """The emoji ``name`` stands for; "" when it is no system emoji."""
    return _glyphs().get(name, "")


def _names(data: dict[str, Any]) -> list[str]:
    names = [code.strip(":") for code in (*data.get("alias", ()), data["en"])]
    names = [n for n in names if is_valid_emoji_name(n)]
    names.sort(key=lambda n: n not in PREFERRED)  # stable: otherwise aliases first
    return names


def _order(char: str) -> tuple[int, int]:
    """Faces first, flags last, the rest by code point (which keeps kinds roughly together)."""
    point = ord(char[0])
    if 0x1F600 <= point <= 0x1F64F or 0x1F910 <= point <= 0x1F92F or 0x1F970 <= point <= 0x1F97A:
        return (0, point)
    if 0x1F1E6 <= point <= 0x1F1FF or char[0] == "\U0001f3f4":
        return (2, point)
    return (1, point)


@lru_cache(maxsize=1)
def catalogue_json() -> bytes:
    """``[[emoji, name, "every name"], …]`` for the picker: one entry per emoji (no skin-tone
    variants), ``name`` the one a reaction sends. Built once (about 1,900 entries)."""
    entries = []
    for char, data in emoji.EMOJI_DATA.items():
        if data["status"] != FULLY_QUALIFIED or "skin_tone" in data["en"]:
            continue
        names = _names(data)
        if names:
            entries.append((_order(char), [char, names[0], " ".join(names).lower()]))
    entries.sort(key=lambda entry: entry[0])
    return orjson.dumps([entry for _, entry in entries])
