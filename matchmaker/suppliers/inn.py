"""Russian taxpayer numbers (ИНН): checksum validation."""

from __future__ import annotations

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def normalize_inn(raw: str) -> str:
    return "".join(raw.split())


def is_valid_inn(raw: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (individual) INN with valid checksum."""
    inn = normalize_inn(raw)
    if not inn.isascii() or not inn.isdigit():
        return False
    digits = [int(c) for c in inn]
    if len(digits) == 10:
        return _check_digit(digits, _WEIGHTS_10) == digits[9]
    if len(digits) == 12:
        return (
            _check_digit(digits, _WEIGHTS_12_FIRST) == digits[10]
            and _check_digit(digits, _WEIGHTS_12_SECOND) == digits[11]
        )
    return False
