"""Text normalization for Russian and English supplier and need texts.

One `Analyzer` turns a text into a list of `Token`s: normalized, stemmed by script,
with the original surface form kept so explanations can quote each side's own words.
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

import Stemmer

# Upper-case Cyrillic letters that look like Latin ones; lower-cased here because the
# text is lower-cased first. Grades and codes get typed with either keyboard layout.
CYR_TO_LAT = str.maketrans("авекмнорстухі", "abekmhopctyxi")
_LAT_TO_CYR = str.maketrans("abekmhopctyx", "авекмнорстух")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")

# Standards whose number belongs to the name: "ISO 9001", "ГОСТ Р 52857", "VDA 6.3".
_STANDARD = re.compile(
    r"\b(iatf|iso|гост(?:\s*р)?(?:\s*исо)?|gost(?:\s*r)?|din(?:\s*en)?|en|vda|sae|astm|jis|"
    r"ту|ост|aec[\s-]?q|ip|ipc|uni|bs|gb/t|gb)\s*(\d[\d.\-]*\d|\d)",
)
# Words: letters and digits, joined inside by hyphens, slashes, dots, commas or plus
# signs when a digit is involved (grades: "pa66-gf30", "08пс", "dx56d+z100", "10.9").
_WORD = re.compile(r"[0-9a-zа-я]+(?:(?:[\-+./]|(?<=\d),(?=\d))[0-9a-zа-я]+)*", re.IGNORECASE)
_SPLIT = re.compile(r"[\-+./,]")
_JOINERS = re.compile(r"[\-+./,]")
_WS = re.compile(r"\s+")
# Punctuation that ends a clause: a form never spans it and a negation stops at it.
_BOUNDARY = re.compile(r"[.,;:!?()\[\]{}«»\"|—–\n/•·]|\s-\s")
# A negation reaches across dashes and quotes ("Automotive experience — no") but not past
# these.
_NEG_BOUNDARY = re.compile(r"[.,;:!?()\[\]{}|\n•]")


def _words(text: str) -> list[str]:
    return text.split()


RU_STOP = frozenset(
    _words(
        """
        и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только
        ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни
        быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где
        есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж
        тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы
        нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над
        больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою
        этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между также т
        д др т.д т.п г гг мм шт а также наш наша наше наши свой своя своё свои который которая
        которое которые это весь вся всё год года лет более менее около ооо ао зао пао оао ип
        """
    )
)
EN_STOP = frozenset(
    _words(
        """
        a an the and or of to in on at for by with from as is are was were be been being it its
        this that these those we our us you your they their them he she his her i my me not no
        nor do does did done has have had having will would shall should can could may might
        must into onto over under up down out about than then there here which who whom whose
        what when where why how all any both each few more most other some such only own same so
        too very s t just also per via etc ltd llc inc co jsc yet far
        """
    )
)

# Words that negate a capability close after them ("не льём алюминий", "no die casting").
NEGATORS = frozenset(
    _words(
        """
        не нет без кроме исключением not no without except never neither nor doesn don't dont
        cannot can't isn't aren't
        """
    )
)


# A piece of a word: start, end, word, is_grade_part, normalized form, is_code.
_Piece = tuple[int, int, str, bool, str, bool]


class Token(NamedTuple):
    """A normalized token with the words it came from."""

    norm: str  # stemmed, normalized form used for matching
    surface: str  # the original words as written
    start: int  # character offsets in the original text
    end: int
    clause: int = 0  # index of the clause (between punctuation marks) in the text
    negated: bool = False  # a negation covers it
    code: bool = False  # contains a digit (a grade, standard or code)


def fold(text: str) -> str:
    """Lower-case and fold ё→е; keeps length so offsets stay valid."""
    return text.lower().replace("ё", "е")


def unify_script(word: str) -> str:
    """Unify Latin/Cyrillic look-alikes inside one word (АК12 = AK12, 'cтaль' typos).

    Codes and grades (anything with a digit) go to Latin look-alikes; a mixed-script
    word without digits goes to its majority script.
    """
    has_cyr = _CYRILLIC.search(word) is not None
    has_lat = _LATIN.search(word) is not None
    if _DIGIT.search(word):
        return word.translate(CYR_TO_LAT) if has_cyr else word
    if has_cyr and has_lat:
        n_cyr = len(_CYRILLIC.findall(word))
        n_lat = len(_LATIN.findall(word))
        return word.translate(_LAT_TO_CYR) if n_cyr >= n_lat else word.translate(CYR_TO_LAT)
    return word


class Analyzer:
    """Normalizes and stems Russian and English text.

    Holds stemmers per thread (PyStemmer objects are not thread-safe) and a stem cache.
    Cheap to create; one per index, never a module global.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._cache: dict[str, str] = {}
        self._words: dict[str, tuple[_Piece, ...]] = {}
        self._grams: dict[str, tuple[str, ...]] = {}

    def _stemmers(self) -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
        pair: tuple[Stemmer.Stemmer, Stemmer.Stemmer] | None = getattr(self._local, "s", None)
        if pair is None:
            pair = (Stemmer.Stemmer("russian"), Stemmer.Stemmer("english"))
            self._local.s = pair
        return pair

    def stem(self, word: str) -> str:
        """Stem one normalized word by its script; codes and grades stay whole."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if _DIGIT.search(word) or len(word) <= 2:
            out = word
        elif _CYRILLIC.search(word):
            out = self._stemmers()[0].stemWord(word)
            # Fleeting vowels: "отливок" must meet "отливки", "рукав" must not become "рука".
            out = _RU_STEM_FIX.get(out, out)
            # Snowball reads the "-ил/-ал/-л" of nouns as a verb's past tense in some forms
            # only ("автомобили" → "автомоб", "автомобиль" → "автомобил"): cut it always.
            m = _RU_L_ENDING.search(out)
            if m and m.start() >= 3:
                out = out[: m.start()]
        else:
            out = self._stemmers()[1].stemWord(word)
            # British and American spellings meet: mould/mold, aluminium/aluminum.
            out = _EN_SPELLING.get(out, out)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = out
        return out

    def _word(self, raw: str) -> tuple[_Piece, ...]:
        """Pieces of one folded word match: (start, end, word, is_part, normalized, is_code).

        The normalized form is "" for stop words and negators (kept as pieces so that
        negations can be found). Cached: a catalogue repeats its vocabulary.
        """
        cached = self._words.get(raw)
        if cached is not None:
            return cached
        out: list[tuple[int, int, str, bool]] = []
        parts = [p for p in _SPLIT.split(raw) if p]
        if _DIGIT.search(raw) and len(parts) > 1:
            # A grade such as "pa66-gf30": the whole code, and its parts so that
            # "PA66 GF30" written apart still meets it.
            out.append((0, len(raw), unify_script(_JOINERS.sub("", raw)), False))
            for p in parts:
                # Parts of plain numbers ("0,38") are sizes; parts of codes are kept.
                if (p.isdigit() and len(p) < 4) or len(p) < 2:
                    continue
                out.append((0, len(raw), self.stem(unify_script(p)), True))
        elif len(parts) > 1 and any(
            len(p) == 1 or p in RU_STOP or p in EN_STOP or p in NEGATORS for p in parts
        ):
            # "e-coat", "o-ring", "х/к", "п/а", "no-bake", "co-extrusion": the pieces mean
            # nothing alone, so the compound is one word (its last piece stemmed).
            head = "".join(unify_script(p) for p in parts[:-1])
            out.append((0, len(raw), head + self.stem(unify_script(parts[-1])), True))
        else:
            pos = 0
            for p in parts:
                start = raw.find(p, pos)
                pos = start + len(p)
                out.append((start, pos, unify_script(p), False))
        result = tuple((a, b, w, part, *self._norm(w, part)) for a, b, w, part in out)
        if len(self._words) >= _CACHE_SIZE:
            self._words.clear()
        self._words[raw] = result
        return result

    def tokens(self, text: str) -> list[Token]:
        """Split text into normalized tokens; standards and grades stay single tokens.

        Stop words are dropped. Each token knows its clause (punctuation splits clauses)
        and whether a negation covers it: forward ("не льём алюминий", "no iron casting")
        or, when the negated verb ends the clause, backward ("алюминий не льём",
        "мехобработки нет").
        """
        if not text:
            return []
        low = fold(text)
        # One pass over the words (and standards, merged in order): each piece with its
        # clause and sentence numbers; stop words stay in for now, negations need them.
        standards: list[tuple[int, int, str]] = []
        if _DIGIT.search(low):
            for m in _STANDARD.finditer(low):
                name = _WS.sub("", m.group(1))
                name = _STANDARD_ALIASES.get(name, name.translate(CYR_TO_LAT))
                number = m.group(2)
                if name in ("iso", "iatf"):
                    number = number.split("-")[0]
                standards.append((m.start(), m.end(), "\x00" + name + number))
        # Every piece, stop words included (negations need them): (word, sentence, index of
        # its token in `out` or -1).
        raw: list[tuple[str, int, int]] = []
        out: list[Token] = []
        clause = 0
        sentence = 0
        prev_end = 0
        prev = ""
        has_negator = False
        si = 0
        n_std = len(standards)
        word = self._word
        known = self._words
        # Tokens made without NamedTuple's Python-level __new__: this loop runs per word.
        new_token = tuple.__new__
        boundary = _BOUNDARY.search
        neg_boundary = _NEG_BOUNDARY.search
        pending = standards[0][0] if n_std else -1
        for m in _WORD.finditer(low):
            start0 = m.start()
            while n_std and si < n_std and pending <= start0:
                a0, b0, w0 = standards[si]
                si += 1
                pending = standards[si][0] if si < n_std else len(low) + 1
                if b0 <= prev_end:
                    continue
                if a0 > prev_end:
                    gap = low[prev_end:a0]
                    if gap != " ":
                        clause += boundary(gap) is not None
                        sentence += neg_boundary(gap) is not None
                raw.append((w0, sentence, len(out)))
                out.append(Token(w0[1:], text[a0:b0], a0, b0, clause, False, True))
                prev_end = b0
            if start0 < prev_end:
                continue  # inside a standard already taken
            if start0 > prev_end:
                gap = low[prev_end:start0]
                if gap != " ":
                    clause += boundary(gap) is not None
                    sentence += neg_boundary(gap) is not None
            written = m.group(0)
            pieces = known.get(written)
            if pieces is None:
                pieces = word(written)
            for a, b, w, is_part, norm, code in pieces:
                if not is_part:
                    if prev in _GRADE_LEADS and w.isdigit() and len(w) <= 2:
                        # "сталь 45": a bare number after "steel" is a grade, not a size.
                        w = "ct" + w.zfill(2)
                        norm, code = w, True
                    prev = w
                    if w in NEGATORS:
                        has_negator = True
                if norm:
                    raw.append((w, sentence, len(out)))
                    start, end = start0 + a, start0 + b
                    out.append(
                        new_token(Token, (norm, text[start:end], start, end, clause, False, code))
                    )
                else:
                    raw.append((w, sentence, -1))
            prev_end = m.end()
        while si < n_std:
            a0, b0, w0 = standards[si]
            si += 1
            if b0 > prev_end:
                gap = low[prev_end:a0]
                if gap.strip():
                    clause += boundary(gap) is not None
                    sentence += neg_boundary(gap) is not None
                raw.append((w0, sentence, len(out)))
                out.append(Token(w0[1:], text[a0:b0], a0, b0, clause, False, True))
                prev_end = b0
        if has_negator:
            marks = _negation_marks(raw)
            for k, (_, _, idx) in enumerate(raw):
                if idx >= 0 and marks[k]:
                    out[idx] = out[idx]._replace(negated=True)
        return out

    def _norm(self, w: str, is_part: bool) -> tuple[str, bool]:
        """Normalized form of one word ("" if it carries nothing) and whether it is a code."""
        if w.startswith("\x00"):
            return w[1:], True
        code = _DIGIT.search(w) is not None
        if is_part:
            return w, code
        if w in RU_STOP or w in EN_STOP or w in NEGATORS:
            return "", False
        # Single letters and short bare numbers (sizes, counts) carry no capability.
        if len(w) == 1 or (w.isdigit() and len(w) < 4):
            return "", False
        return (w if code else self.stem(w)), code

    def char_ngrams(self, word: str) -> tuple[str, ...]:
        """Character 3- to 5-grams of one word, padded with spaces (like char_wb)."""
        hit = self._grams.get(word)
        if hit is None:
            w = " " + unify_script(fold(word)) + " "
            hit = tuple(w[i : i + n] for n in (3, 4, 5) for i in range(len(w) - n + 1))
            if len(self._grams) >= _CACHE_SIZE:
                self._grams.clear()
            self._grams[word] = hit
        return hit

    def terms(self, text: str) -> list[str]:
        """Normalized token strings of a text, in order."""
        return [t.norm for t in self.tokens(text)]


_STANDARD_ALIASES = {
    "гострисо": "iso",
    "гостисо": "iso",
    "gostriso": "iso",
    "гостр": "gost",
    "гост": "gost",
    "gostr": "gost",
    "dinen": "din",
    "ту": "tu",
    "ост": "ost",
    "aec-q": "aecq",
}

_RU_STEM_FIX = {
    "отливок": "отливк",
    "поковок": "поковк",
    "трубок": "трубк",
    "колец": "кольц",
    "патрубок": "патрубк",
    "рука": "рукав",
    "заготовок": "заготовк",
    "прокладок": "прокладк",
    "втулок": "втулк",
    "деталь": "детал",
    "изделий": "издел",
    "пружинн": "пружин",
    "штампова": "штамповк",
    "сайлентблок": "сайлентблок",
    "шестерен": "шестерн",
    "заклепок": "заклепк",
    "вставок": "вставк",
    "обмоток": "обмотк",
    "катушек": "катушк",
    "гаек": "гайк",
    "шайб": "шайб",
}

_EN_SPELLING = {
    "mold": "mould",
    "aluminum": "aluminium",
    "fiber": "fibr",
    "fibr": "fibr",
    "vulcan": "vulcanis",
    "vulcaniz": "vulcanis",
    "galvaniz": "galvanis",
    "anodiz": "anodis",
    "color": "colour",
    "center": "centr",
    "centr": "centr",
}


_RU_L_ENDING = re.compile(r"[иыаяе]?л$")
# Words remembered per analyzer (a catalogue's vocabulary; bounded all the same).
_CACHE_SIZE = 300_000
_GRADE_LEADS = frozenset({"сталь", "стали", "сталью", "steel", "марки", "марка", "grade"})

# "не менее", "not only": negators that negate nothing.
_NOT_NEGATING_NEXT = frozenset(
    _words(
        """
        только менее более ниже выше хуже лучше позднее ранее реже чаще меньше больше считая
        only less more later earlier fewer than
        """
    )
)
_FORWARD_SCOPE = {"без": 2, "without": 2, "кроме": 2, "except": 2, "исключением": 2}


def _negation_marks(raw: list[tuple[str, int, int]]) -> list[bool]:
    """Which pieces of a sentence-tagged word sequence a negation covers."""
    marks = [False] * len(raw)
    n = len(raw)
    for k, (w, sent, _) in enumerate(raw):
        if w not in NEGATORS:
            continue
        nxt = raw[k + 1][0] if k + 1 < n and raw[k + 1][1] == sent else ""
        if nxt in _NOT_NEGATING_NEXT:
            continue
        after: list[int] = []
        for j in range(k + 1, n):
            if raw[j][1] != sent:
                break
            if raw[j][0] not in RU_STOP and raw[j][0] not in EN_STOP:
                after.append(j)
        scope = _FORWARD_SCOPE.get(w, 4)
        for j in after[:scope]:
            marks[j] = True
        # "алюминий не льём", "мехобработки нет": the negated verb closes the clause, so
        # what it negates stands before it.
        if len(after) <= 1 and w not in _FORWARD_SCOPE:
            j = k - 1
            while j >= 0 and raw[j][1] == sent:
                marks[j] = True
                j -= 1
    return marks
