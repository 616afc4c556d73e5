"""Fixtures for the matching engine tests: the seed glossary, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.matching import Glossary, load_glossary

REPO = Path(__file__).resolve().parents[2]
GLOSSARY_PATH = REPO / "seed_data" / "glossary.json"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    return load_glossary(GLOSSARY_PATH)
