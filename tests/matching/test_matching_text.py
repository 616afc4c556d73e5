"""Text normalization: case, ё, look-alike letters, grades and standards, stemming, negation."""

from __future__ import annotations

import pytest

from matchmaker.matching.text import Analyzer, fold, unify_script


@pytest.fixture()
def an() -> Analyzer:
    return Analyzer()


def norms(an: Analyzer, text: str) -> list[str]:
    return [t.norm for t in an.tokens(text)]


def test_fold_lowercases_and_maps_yo_keeping_length() -> None:
    assert fold("ЛИТЬЁ Ёмкость") == "литье емкость"
    assert len(fold("Литьё")) == len("Литьё")


def test_cyrillic_and_latin_lookalikes_in_codes_are_one_token(an: Analyzer) -> None:
    # "АК12" typed on a Russian keyboard, "AK12" on an English one.
    assert norms(an, "АК12") == norms(an, "AK12") == ["ak12"]
    assert unify_script("сталь") == "сталь"
    # A typo mixing scripts in a plain word goes to the majority script.
    assert unify_script("cтaль") == "сталь"


def test_yo_does_not_split_words(an: Analyzer) -> None:
    assert norms(an, "литьё") == norms(an, "литье")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("IATF 16949:2016", "iatf16949"),
        ("ISO 9001-2015", "iso9001"),
        ("ГОСТ Р ИСО 9001-2015", "iso9001"),
        ("VDA 6.3", "vda6.3"),
        ("ГОСТ 1643", "gost1643"),
        ("DIN 933", "din933"),
    ],
)
def test_standards_stay_whole(an: Analyzer, text: str, token: str) -> None:
    assert token in norms(an, text)


def test_grades_are_kept_whole_and_in_parts(an: Analyzer) -> None:
    toks = norms(an, "PA66-GF30, сталь 08пс")
    assert "pa66gf30" in toks
    assert {"pa66", "gf30"} <= set(toks)
    assert "08пc" in toks  # "08пс" with the look-alike "с" unified
    assert "ct45" in norms(an, "сталь 45")


def test_sizes_and_short_numbers_are_dropped(an: Analyzer) -> None:
    assert norms(an, "0,38 кг, 12 кВт") == ["кг", "квт"]


def test_stop_words_are_dropped(an: Analyzer) -> None:
    assert norms(an, "для и the of") == []


def test_russian_stemming_meets_inflections(an: Analyzer) -> None:
    assert norms(an, "штамповка") == norms(an, "штамповкой") == norms(an, "штамповки")
    assert norms(an, "отливки") == norms(an, "отливок")
    assert norms(an, "автомобиль") == norms(an, "автомобили")
    assert norms(an, "рукав") == norms(an, "рукава")


def test_english_stemming_and_spelling(an: Analyzer) -> None:
    assert norms(an, "casting") == norms(an, "castings")
    assert norms(an, "moulding") == norms(an, "molding")
    assert norms(an, "aluminum") == norms(an, "aluminium")


def test_compounds_with_letter_pieces_stay_one_word(an: Analyzer) -> None:
    assert norms(an, "e-coat") == ["ecoat"]
    assert norms(an, "O-rings") == norms(an, "o-ring")
    assert norms(an, "мотор-редуктор") == norms(an, "мотор редуктор")


def test_forward_and_backward_negation(an: Analyzer) -> None:
    toks = an.tokens("Не льём алюминий, делаем цинк.")
    negated = {t.norm for t in toks if t.negated}
    assert norms(an, "алюминий")[0] in negated
    assert norms(an, "цинк")[0] not in negated
    toks = an.tokens("Алюминий не льём. Цинк льём.")
    assert [t.negated for t in toks][:1] == [True]
    assert not toks[-2].negated
    toks = an.tokens("No iron or aluminium casting. Zinc die casting.")
    assert all(t.negated for t in toks[:3])
    assert not any(t.negated for t in toks[3:])


def test_negators_that_do_not_negate(an: Analyzer) -> None:
    assert not any(t.negated for t in an.tokens("допуск не более 0,05 мм, не только сталь"))


def test_tokens_keep_surface_and_offsets(an: Analyzer) -> None:
    text = "Литьё алюминия"
    t = an.tokens(text)[0]
    assert t.surface == "Литьё"
    assert text[t.start : t.end] == "Литьё"


def test_char_ngrams_are_padded_and_unified(an: Analyzer) -> None:
    grams = an.char_ngrams("АК12")
    assert " ak" in grams
    assert "ak12 " in grams
