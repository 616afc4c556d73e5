"""Buyer journey: the ranked list of a need, with reasons, and funnel decisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Decision, MatchResult, MatchRun, Need, Role, Supplier
from tests import factories


def _scene(app):
    """A Brose need for a stamped bracket and three suppliers of varying fit."""
    with app.app_context():
        session = db.session
        brose = factories.buyer(session, "Brose")
        day = factories.day(session, brose, date=dt.date.today() + dt.timedelta(days=20))
        need = factories.need(
            session,
            day,
            part_name="Кронштейн крепления мотор-редуктора",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            required_certifications=["IATF 16949"],
        )
        stamper = factories.supplier(
            session,
            name="ООО «Штамп-Авто»",
            description="Холодная листовая штамповка кронштейнов из стали 08пс для АвтоВАЗ.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            certifications=[("IATF 16949", dt.date.today() + dt.timedelta(days=400))],
        )
        uncertified = factories.supplier(
            session,
            name="ООО «Штамп без сертификата»",
            status="pending",
            description="Листовая штамповка кронштейнов из стали, прессы до 250 т.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        factories.supplier(
            session,
            name="ООО «Пекарня»",
            description="Хлеб и булочки.",
        )
        buyer_user = factories.user(session, Role.BUYER, buyer_org=brose)
        session.commit()
        return need.id, stamper.id, uncertified.id, buyer_user


def test_buyer_sees_ranked_list_with_reasons_and_near_misses(app, client, login_as):
    need_id, stamper_id, uncertified_id, buyer_user = _scene(app)
    login_as(user=buyer_user)
    response = client.get(f"/needs/{need_id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    ranked, _, near = body.partition("Near misses")
    assert "Штамп-Авто" in ranked
    assert "Штамп без сертификата" in near  # lacks IATF 16949: a near miss, not dropped
    assert "Пекарня" not in body
    assert "verified" in ranked and "pending verification" in near
    assert "IATF 16949" in body
    assert "Ranking computed" in body
    with app.app_context():
        run = db.session.scalar(select(MatchRun))
        assert run.need_id == need_id
        stored = {m.supplier_id: m for m in run.matches}
        assert stored[stamper_id].rank == 1 and not stored[stamper_id].near_miss
        assert stored[uncertified_id].near_miss
        assert stored[stamper_id].explanation["terms"]


def test_explanations_read_in_the_buyers_language(app, client, login_as):
    need_id, _, _, buyer_user = _scene(app)
    with app.app_context():
        db.session.merge(buyer_user).locale = "ru"
        db.session.commit()
    login_as(user=buyer_user)
    body = client.get(f"/needs/{need_id}").get_data(as_text=True)
    ranked, _, near = body.partition("Почти подходят")
    # Concepts and requirements by their Russian names; what a near miss lacks in Russian.
    assert "листовая штамповка" in ranked.lower()
    assert "sheet-metal stamping" not in body
    assert "IATF 16949" in near and "(нет)" in near
    assert "not held" not in body and "not stated" not in body


def test_ranking_is_reused_until_a_profile_changes(app, client, login_as):
    need_id, stamper_id, _, buyer_user = _scene(app)
    login_as(user=buyer_user)
    client.get(f"/needs/{need_id}")
    client.get(f"/needs/{need_id}")
    with app.app_context():
        first = db.session.scalar(select(MatchRun.catalogue_version))
        supplier = db.session.get(Supplier, stamper_id)
        supplier.description = "Теперь только токарная обработка."
        supplier.updated_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    client.get(f"/needs/{need_id}")
    with app.app_context():
        runs = db.session.scalars(select(MatchRun.catalogue_version)).all()
        assert len(runs) == 1 and runs[0] != first


def test_a_day_edit_re_ranks_its_needs_only_when_the_date_moves(app, client, login_as):
    need_id, stamper_id, _, buyer_user = _scene(app)
    login_as(user=buyer_user)
    client.get(f"/needs/{need_id}")

    def stored() -> tuple[list[dt.datetime], bool]:
        with app.app_context():
            runs = db.session.scalars(select(MatchRun.computed_at)).all()
            near = db.session.scalar(
                select(MatchResult.near_miss).where(MatchResult.supplier_id == stamper_id)
            )
            return list(runs), bool(near)

    first = stored()
    assert first[1] is False
    # The day opens and its meetings are placed: the day changes, its date does not.
    with app.app_context():
        day = db.session.get(Need, need_id).supplier_day
        day.status = "open"
        day.scheduled_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    client.get(f"/needs/{need_id}")
    assert stored() == first
    # The day moves past the stamper's certificate (valid 400 days): it is a near miss now.
    with app.app_context():
        db.session.get(Need, need_id).supplier_day.date = dt.date.today() + dt.timedelta(500)
        db.session.commit()
    client.get(f"/needs/{need_id}")
    runs, near = stored()
    assert runs != first[0] and near is True


def test_buyer_records_decisions_and_filters(app, client, login_as):
    need_id, stamper_id, uncertified_id, buyer_user = _scene(app)
    login_as(user=buyer_user)
    shortlisted = client.post(
        f"/needs/{need_id}/suppliers/{stamper_id}/decision",
        data={"status": "shortlisted", "note": "Посетить завод", "back": "list"},
    )
    assert shortlisted.status_code == 302
    assert shortlisted.headers["Location"].endswith(f"/needs/{need_id}")
    no_reason = client.post(
        f"/needs/{need_id}/suppliers/{uncertified_id}/decision", data={"status": "rejected"}
    )
    assert "Say why the supplier is rejected." in no_reason.get_data(as_text=True)
    rejected = client.post(
        f"/needs/{need_id}/suppliers/{uncertified_id}/decision",
        data={"status": "rejected", "reason": "Нет IATF 16949"},
    )
    assert rejected.status_code == 302
    with app.app_context():
        decisions = {d.supplier_id: d for d in db.session.scalars(select(Decision))}
        assert decisions[stamper_id].status == "shortlisted"
        assert decisions[stamper_id].note == "Посетить завод"
        assert decisions[uncertified_id].reason == "Нет IATF 16949"
        assert (
            db.session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "decision.recorded")
            )
            == 2
        )
    only_shortlisted = client.get(f"/needs/{need_id}?status=shortlisted").get_data(as_text=True)
    assert "Штамп-Авто" in only_shortlisted and "Штамп без сертификата" not in only_shortlisted
    only_rejected = client.get(f"/needs/{need_id}?status=rejected").get_data(as_text=True)
    assert "Штамп без сертификата" in only_rejected and "Штамп-Авто" not in only_rejected
    for stage in ("meeting", "rfq", "nominated", "longlist"):
        client.post(f"/needs/{need_id}/suppliers/{stamper_id}/decision", data={"status": stage})
    with app.app_context():
        assert (
            db.session.scalar(select(Decision).where(Decision.supplier_id == stamper_id)) is None
        )  # back on the long list


def test_interested_supplier_outside_the_ranking_is_still_listed(app, client, login_as):
    need_id, _, _, buyer_user = _scene(app)
    with app.app_context():
        from matchmaker.models import Interest, Need

        baker = db.session.scalar(select(Supplier).where(Supplier.name == "ООО «Пекарня»"))
        db.session.add(Interest(need=db.session.get(Need, need_id), supplier=baker))
        db.session.commit()
    login_as(user=buyer_user)
    body = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "Other suppliers with interest or a decision" in body
    assert "Пекарня" in body
    # Why it is not ranked: nothing in common, and what it lacks.
    baker_row = body[body.index("Other suppliers with interest") :]
    assert "not ranked, score 0.00" in baker_row
    assert 'req-missing">IATF 16949 <span class="text-muted">(not held)</span>' in baker_row


def test_the_buyer_sees_why_a_supplier_is_not_ranked(app, client, login_as):
    need_id, stamper_id, _, buyer_user = _scene(app)
    with app.app_context():
        baker_id = db.session.scalar(select(Supplier.id).where(Supplier.name == "ООО «Пекарня»"))
    login_as(user=buyer_user)
    page = client.get(f"/needs/{need_id}/suppliers/{baker_id}").get_data(as_text=True)
    assert "Not in the current ranking of this part." in page
    assert "Its score: 0.00." in page
    assert "Its profile shares no words and no capabilities with this part." in page
    assert 'req-missing">IATF 16949 <span class="text-muted">(not held)</span>' in page
    assert page.count('<span class="text-muted">(not stated)</span>') >= 2  # process, material
    # A ranked supplier's page keeps the stored explanation.
    ranked = client.get(f"/needs/{need_id}/suppliers/{stamper_id}").get_data(as_text=True)
    assert "Rank 1" in ranked and "Not in the current ranking" not in ranked


def test_staff_runs_matching_for_a_day(app, client, login_as):
    need_id, _, _, _ = _scene(app)
    with app.app_context():
        from matchmaker.models import Need

        day_id = db.session.get(Need, need_id).supplier_day_id
    login_as(Role.STAFF)
    response = client.post(f"/days/{day_id}/match", follow_redirects=True)
    assert "Rankings recomputed for 1 needs." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(MatchRun.trigger)) == "staff"


def test_buyer_cannot_decide_on_another_buyers_need(app, client, login_as):
    need_id, stamper_id, _, _ = _scene(app)
    login_as(Role.BUYER)
    response = client.post(
        f"/needs/{need_id}/suppliers/{stamper_id}/decision", data={"status": "shortlisted"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Decision.id))) == 0
