"""Logging in and out, registering a supplier company, accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Role, Supplier, User
from matchmaker.suppliers.inn import is_valid_inn
from tests import factories


def _register(client, **overrides):
    data = {
        "company_name": "ООО «Волжский штамп»",
        "inn": factories.valid_inn(4242),
        "region": "Самарская область",
        "city": "Сызрань",
        "contact_name": "Ирина Петрова",
        "email": "sales@volzhsky-stamp.ru",
        "password": "long-enough-password",
        "confirm": "long-enough-password",
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_inn_checksums():
    assert is_valid_inn("7707083893")  # Sberbank
    assert is_valid_inn("500100732259")  # a valid 12-digit personal INN
    assert is_valid_inn(" 7707083893 ")
    assert not is_valid_inn("7707083894")
    assert not is_valid_inn("500100732258")
    assert not is_valid_inn("77070838")
    assert not is_valid_inn("77070838９3")  # full-width digit
    assert not is_valid_inn("abcdefghij")


def test_supplier_registers_and_lands_on_profile(app, client):
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/supplier/profile")
    with app.app_context():
        supplier = db.session.scalar(select(Supplier))
        assert supplier.name == "ООО «Волжский штамп»"
        assert supplier.status == "pending"
        user = db.session.scalar(select(User))
        assert user.role == Role.SUPPLIER.value
        assert user.supplier_id == supplier.id
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(AuditEntry.action)) == "supplier.registered"
    page = client.get("/supplier/profile")
    assert "Волжский штамп" in page.get_data(as_text=True)


def test_registration_with_bad_inn_writes_nothing(app, client):
    response = _register(client, inn="6312345670")
    assert response.status_code == 200
    assert "This INN is not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Supplier.id))) == 0
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_registration_rejects_duplicate_inn_and_email(app, client):
    assert _register(client).status_code == 302
    client.post("/logout")
    again = _register(client, email="other@volzhsky-stamp.ru")
    assert "already registered" in again.get_data(as_text=True)
    same_mail = _register(client, inn=factories.valid_inn(999))
    assert "already exists" in same_mail.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Supplier.id))) == 1


def test_registration_shape_errors_show_next_to_fields(client):
    response = _register(client, email="not-an-email", confirm="different-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid email address" in body
    assert "Passwords do not match" in body
    assert body.count("invalid-feedback") >= 2


def test_login_wrong_password_does_not_say_which(app, client):
    with app.app_context():
        factories.user(db.session, Role.STAFF, email="staff@cluster.ru")
        db.session.commit()
    wrong_password = client.post("/login", data={"email": "staff@cluster.ru", "password": "x"})
    wrong_email = client.post(
        "/login", data={"email": "nobody@cluster.ru", "password": factories.PASSWORD}
    )
    for response in (wrong_password, wrong_email):
        assert response.status_code == 200
        assert "Wrong e-mail or password." in response.get_data(as_text=True)
    ok = client.post("/login", data={"email": "STAFF@cluster.ru", "password": factories.PASSWORD})
    assert ok.status_code == 302
    assert ok.headers["Location"].endswith("/staff/")


def test_inactive_user_cannot_log_in(app, client):
    with app.app_context():
        factories.user(db.session, Role.STAFF, email="gone@cluster.ru", active=False)
        db.session.commit()
    response = client.post(
        "/login", data={"email": "gone@cluster.ru", "password": factories.PASSWORD}
    )
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_login_redirects_only_to_local_next(app, client):
    with app.app_context():
        factories.user(db.session, Role.STAFF, email="s@cluster.ru")
        db.session.commit()
    data = {"email": "s@cluster.ru", "password": factories.PASSWORD}
    evil = client.post("/login?next=https://evil.example/", data=data)
    assert evil.headers["Location"].endswith("/staff/")
    client.post("/logout")
    local = client.post("/login?next=/suppliers", data=data)
    assert local.headers["Location"] == "/suppliers"


def test_password_change_ends_other_sessions(app, client, login_as):
    user = login_as(Role.STAFF)
    other = app.test_client()
    with other.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
    assert other.get("/staff/").status_code == 200
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "a-brand-new-password",
            "confirm": "a-brand-new-password",
        },
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200  # this browser stays logged in
    assert other.get("/staff/").status_code == 302  # the other one is logged out


def test_password_change_with_wrong_current_password(client, login_as):
    login_as(Role.SUPPLIER)
    response = client.post(
        "/account/password",
        data={"current_password": "nope", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_language_choice_is_saved(app, client, login_as):
    user = login_as(Role.BUYER)
    assert client.post("/account/language", data={"locale": "ru"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).locale == "ru"
    assert client.post("/account/language", data={"locale": "xx"}).status_code == 200


def test_logout_needs_post(client, login_as):
    login_as(Role.STAFF)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/staff/").status_code == 302
