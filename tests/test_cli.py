"""The ``matchmaker`` command: init, seed, create-user, match, eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Buyer, MatchRun, Need, Process, Supplier, SupplierDay, User
from tests.conftest import SHARED_DATA, make_app


@pytest.fixture
def fresh(tmp_path: Path):
    """An app whose database has no tables yet: the CLI must build them."""
    app, drop = make_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def test_init_seed_demo_is_idempotent(fresh) -> None:
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Demo accounts" in first.output and "staff@cluster.example" in first.output
    with fresh.app_context():
        counts = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Process, Buyer, Supplier, SupplierDay, Need, User)
        ]
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0, again.output
    with fresh.app_context():
        assert counts == [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Process, Buyer, Supplier, SupplierDay, Need, User)
        ]
        processes, buyers, suppliers, days, needs, _users = counts
        assert processes >= 30 and buyers == 5 and suppliers >= 60
        assert days >= 5 and needs >= 40
        names = set(db.session.scalars(select(Buyer.name)))
        assert names == {"Mitsuba", "Brose", "Sumiriko", "Schaeffler", "PSA Groupe"}


def test_create_user_and_match(fresh) -> None:
    runner = fresh.test_cli_runner()
    runner.invoke(args=["init"])
    runner.invoke(args=["seed", "--demo"])
    made = runner.invoke(
        args=[
            "create-user",
            "anna@brose.example",
            "--role",
            "buyer",
            "--buyer",
            "Brose",
            "--password-stdin",
        ],
        input="a-long-password\n",
    )
    assert made.exit_code == 0, made.output
    unknown_buyer = runner.invoke(
        args=[
            "create-user",
            "x@y.example",
            "--role",
            "buyer",
            "--buyer",
            "Nobody",
            "--password-stdin",
        ],
        input="a-long-password\n",
    )
    assert unknown_buyer.exit_code != 0
    assert "Choose an existing buyer" in unknown_buyer.output
    short = runner.invoke(
        args=["create-user", "z@y.example", "--role", "staff", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    with fresh.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@brose.example"))
        assert user.buyer.name == "Brose"
        day_id = db.session.scalar(select(SupplierDay.id).order_by(SupplierDay.id))
        day_needs = db.session.scalar(
            select(func.count(Need.id)).where(Need.supplier_day_id == day_id)
        )
    ranked = runner.invoke(args=["match", "--day", str(day_id)])
    assert ranked.exit_code == 0 and f"for {day_needs} needs" in ranked.output
    with fresh.app_context():
        assert db.session.scalar(select(func.count(MatchRun.id))) == day_needs
    missing = runner.invoke(args=["match", "--day", "99999"])
    assert missing.exit_code != 0 and "no Supplier Day 99999" in missing.output


def test_match_shares_the_work_with_worker_processes(fresh, monkeypatch) -> None:
    from matchmaker.matching import index as index_module
    from matchmaker.models import MatchResult

    monkeypatch.setattr(index_module, "PARALLEL_NEEDS_MIN", 2)
    runner = fresh.test_cli_runner()
    runner.invoke(args=["init"])
    runner.invoke(args=["seed", "--demo"])

    def stored() -> list[tuple[int, int, int, float, bool]]:
        with fresh.app_context():
            rows = db.session.execute(
                select(
                    MatchRun.need_id,
                    MatchResult.supplier_id,
                    MatchResult.rank,
                    MatchResult.score,
                    MatchResult.near_miss,
                )
                .join(MatchResult.run)
                .order_by(MatchRun.need_id, MatchResult.position)
            )
            return [tuple(row) for row in rows]

    alone = runner.invoke(args=["match"])
    assert alone.exit_code == 0, alone.output
    one_process = stored()
    shared = runner.invoke(args=["match", "--workers", "2"])
    assert shared.exit_code == 0, shared.output
    assert shared.output == alone.output
    assert stored() == one_process and len(one_process) > 100
    refused = runner.invoke(args=["match", "--workers", "0"])
    assert refused.exit_code != 0


@pytest.mark.skipif(not (SHARED_DATA / "matching-dev").is_dir(), reason="no shared dev set")
def test_eval_prints_engine_and_baseline(fresh) -> None:
    runner = fresh.test_cli_runner()
    result = runner.invoke(args=["eval", str(SHARED_DATA / "matching-dev"), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key in ("ndcg@10", "map", "recall@50", "mrr"):
        assert set(figures[key]) == {"engine", "baseline"}
        assert 0.0 <= figures[key]["engine"] <= 1.0
    assert set(figures["by_language"]) == {"ru", "en"}
    table = runner.invoke(args=["eval", str(SHARED_DATA / "matching-dev")])
    assert "ndcg@10" in table.output.lower()


def test_eval_refuses_a_directory_without_the_files(fresh, tmp_path: Path) -> None:
    result = fresh.test_cli_runner().invoke(args=["eval", str(tmp_path)])
    assert result.exit_code != 0 and "has no suppliers.jsonl" in result.output
