"""Certificates as typed by suppliers: which standard, valid when, and why not."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.matching import certificates as certs

DAY = date(2024, 6, 1)


def held(*texts: str, until: date | None = None) -> tuple[certs.HeldStandard, ...]:
    out = []
    for t in texts:
        h = certs.parse_held(t, until)
        assert h is not None, t
        out.append(h)
    return tuple(out)


def check(required: str, *texts: str, until: date | None = None) -> tuple[bool, str]:
    return certs.check(certs.parse_required(required), held(*texts, until=until), DAY)


@pytest.mark.parametrize(
    ("text", "standard"),
    [
        ("IATF 16949:2016", "iatf16949"),
        ("ISO 9001-2015", "iso9001"),
        ("ГОСТ Р ИСО 9001-2015", "iso9001"),
        ("ISO/TS 16949:2009", "iso_ts16949"),
        ("VDA 6.3 process audit - B (2023)", "vda6.3"),
        ("ISO 13485:2016", "iso13485"),
        ("AS9100D", "as9100"),
        ("ГОСТ РВ 0015-002-2020", "gost_rv"),
    ],
)
def test_standards_are_identified(text: str, standard: str) -> None:
    assert certs.identify(text) == standard


def test_unknown_text_is_not_a_certificate() -> None:
    assert certs.parse_held("сертификат соответствия продукции") is None


def test_valid_certificate_meets_requirement() -> None:
    assert check("IATF 16949", "IATF 16949:2016") == (True, "")


def test_expiry_date_field_counts_on_the_supplier_day() -> None:
    assert check("IATF 16949", "IATF 16949:2016", until=date(2024, 12, 31))[0]
    met, detail = check("IATF 16949", "IATF 16949:2016", until=date(2024, 5, 31))
    assert not met
    assert detail == "expired 2024-05-31"


def test_expiry_stated_in_text() -> None:
    met, detail = check("IATF 16949", "IATF 16949:2016 (срок действия сертификата истёк 03.2022)")
    assert not met
    assert detail == "expired 2022-03-31"
    assert check("ISO 9001", "ISO 9001:2015, действителен до 01.10.2025")[0]
    assert not check("ISO 9001", "ISO 9001:2015 valid until 2024-01-15")[0]


@pytest.mark.parametrize(
    "text",
    [
        "IATF 16949 — внедрение, сертификационный аудит запланирован на 2025",
        "IATF 16949 in implementation",
        "IATF 16949 (планируется)",
        "IATF 16949: recertification audit planned",
    ],
)
def test_certificates_in_implementation_do_not_count(text: str) -> None:
    met, detail = check("IATF 16949", text)
    assert not met
    assert detail == "in implementation"


def test_superseded_and_withdrawn_editions_do_not_count() -> None:
    met, detail = check("IATF 16949", "ISO/TS 16949:2009")
    assert not met
    assert "superseded" in detail
    met, detail = check("ISO 9001", "ISO 9001:2008")
    assert not met
    assert detail == "withdrawn edition"


def test_iatf_satisfies_iso_9001_and_gost_r_iso_counts() -> None:
    assert check("ISO 9001", "IATF 16949:2016")[0]
    assert check("ISO 9001:2015", "ГОСТ Р ИСО 9001-2015")[0]
    assert not check("IATF 16949", "ISO 9001:2015")[0]


def test_other_sectors_do_not_satisfy_automotive_requirements() -> None:
    met, detail = check("IATF 16949", "ISO 13485:2016")
    assert not met
    assert "another sector" in detail
    assert not check("ISO 9001", "AS9100D")[0]


@pytest.mark.parametrize(
    ("text", "met"),
    [
        ("VDA 6.3 process audit - B (2023)", True),
        ("VDA 6.3 - A", True),
        ("VDA 6.3 оценка B", True),
        ("VDA 6.3 B (2023, OEM audit)", True),
        ("VDA 6.3 - C (2022)", False),
        ("VDA 6.3", False),
    ],
)
def test_vda_63_needs_an_a_or_b_result(text: str, met: bool) -> None:
    assert check("VDA 6.3 (grade B or better)", text)[0] is met
    assert check("VDA 6.3 (не ниже B)", text)[0] is met


def test_requirement_labels_are_canonical() -> None:
    r = certs.parse_required("IATF 16949:2016")
    assert (r.standard, r.label) == ("iatf16949", "IATF 16949")
    other = certs.parse_required("Сертификат ТР ТС 018")
    assert other.standard.startswith("other:")
