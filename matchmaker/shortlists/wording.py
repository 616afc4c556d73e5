"""The engine's explanations in the reader's language.

The matching engine is a pure library and explains itself in English: concept labels
from the glossary and a closed set of phrases for what a supplier lacks ("not stated",
"expired 2025-03-01", "works steel"). Pages show them through these functions, which
give the glossary's Russian label and the translated phrase to a Russian reader. A
phrase the engine learns later and nobody translated yet is shown as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from matchmaker.formatting import display_date
from matchmaker.shortlists.cache import index_cache

# The group of alternative processes the engine joins with " or ".
_OR = " or "

_PHRASES: Mapping[str, LazyString] = {
    "not stated": _l("not stated"),
    "related process only": _l("related process only"),
    "only a broader process stated": _l("only a broader process stated"),
    "no own production stated": _l("no own production stated"),
    "secondary step, may be subcontracted": _l("secondary step, may be subcontracted"),
    "not held": _l("not held"),
    "expired": _l("expired"),
    "in implementation": _l("in implementation"),
    "suspended or withdrawn": _l("suspended or withdrawn"),
    "withdrawn edition": _l("withdrawn edition"),
    "superseded by IATF 16949": _l("superseded by IATF 16949"),
    "no A/B audit result stated": _l("no A/B audit result stated"),
}


def _works(m: re.Match[str]) -> str:
    return _("works %(materials)s", materials=", ".join(map(concept, m["x"].split(", "))))


def _wrong_material(m: re.Match[str]) -> str:
    return _("not for this material (%(detail)s)", detail=detail(m["x"]))


def _expired_on(m: re.Match[str]) -> str:
    return _("expired %(date)s", date=display_date(dt.date.fromisoformat(m["x"])))


def _audit(m: re.Match[str]) -> str:
    return _("audit result %(grade)s", grade=m["x"])


def _other_sector(m: re.Match[str]) -> str:
    return _("not held (%(standard)s is for another sector)", standard=m["x"])


_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"works (?P<x>.+)"), _works),
    (re.compile(r"not for this material \((?P<x>.*)\)"), _wrong_material),
    (re.compile(r"expired (?P<x>\d{4}-\d{2}-\d{2})"), _expired_on),
    (re.compile(r"audit result (?P<x>[A-Z])"), _audit),
    (re.compile(r"not held \((?P<x>.+) is for another sector\)"), _other_sector),
)


def _russian() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "ru"


def concept(label: str) -> str:
    """A concept label (or "a or b" group of them) in the reader's language."""
    if not label or not _russian():
        return label
    names = index_cache().russian_labels()
    parts = label.split(_OR)
    return _(" or ").join(names.get(p, p) for p in parts)


def detail(text: str) -> str:
    """Why a requirement is not met (or how it is met), in the reader's language."""
    if not text:
        return text
    # Certificate reasons come joined with "; ".
    return "; ".join(_one_detail(part) for part in text.split("; "))


def _one_detail(text: str) -> str:
    known = _PHRASES.get(text)
    if known is not None:
        return str(known)
    for pattern, say in _SHAPES:
        m = pattern.fullmatch(text)
        if m:
            return say(m)
    return text
