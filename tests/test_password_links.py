"""Links to set a password: "forgot your password?", and staff inviting a supplier's people."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, EmailMessage, Role, User
from tests import factories

PUBLIC = "https://matchmaker.cluster.example"
NEW_PASSWORD = "a-new-long-password"


def _mails(app) -> list[EmailMessage]:
    with app.app_context():
        rows = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def _link(message: EmailMessage) -> str:
    found = re.search(re.escape(PUBLIC) + r"(/password/set/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def _login(client, email: str, password: str) -> int:
    answer = client.post("/login", data={"email": email, "password": password})
    return answer.status_code


def test_a_forgotten_password_is_set_again_through_a_link_that_works_once(app, client):
    app.config["PUBLIC_URL"] = PUBLIC
    with app.app_context():
        user = factories.user(db.session, Role.BUYER, email="anna@brose.example", locale="ru")
        db.session.commit()
        user_id = user.id
    page = client.get("/login").get_data(as_text=True)
    assert "/password/forgot" in page

    answer = client.post("/password/forgot", data={"email": "Anna@Brose.example"})
    assert answer.status_code == 302 and answer.location.endswith("/login")
    [mail] = _mails(app)
    assert mail.recipient == "anna@brose.example" and mail.kind == "password"
    assert mail.subject == "Задайте новый пароль matchmaker"  # in the user's language
    link = _link(mail)

    form = client.get(link).get_data(as_text=True)
    assert "anna@brose.example" in form
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "confirm": "something-else"})
    assert mismatch.status_code == 200 and "Passwords do not match." in mismatch.get_data(
        as_text=True
    )
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302  # logged in and sent home
    assert client.get("/account").status_code == 200
    client.post("/logout")

    assert _login(client, "anna@brose.example", factories.PASSWORD) == 200  # refused
    assert _login(client, "anna@brose.example", NEW_PASSWORD) == 302
    client.post("/logout")
    # The link has done its work: it opens no form and sets nothing.
    again = client.get(link).get_data(as_text=True)
    assert "no longer valid" in again and 'name="password"' not in again
    client.post(link, data={"password": "another-password-1", "confirm": "another-password-1"})
    assert _login(client, "anna@brose.example", NEW_PASSWORD) == 302
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"user.password_link_sent", "user.password_set_by_link"} <= actions
        assert db.session.get(User, user_id).session_version == 2


def test_an_unknown_or_inactive_address_gets_the_same_answer_and_no_mail(app, client):
    app.config["PUBLIC_URL"] = PUBLIC
    with app.app_context():
        factories.user(db.session, Role.STAFF, email="gone@cluster.example", active=False)
        db.session.commit()
    answers = [
        client.post("/password/forgot", data={"email": email}, follow_redirects=True)
        for email in ("nobody@nowhere.example", "gone@cluster.example")
    ]
    texts = [a.get_data(as_text=True) for a in answers]
    assert all("If an account with this e-mail exists" in t for t in texts)
    assert _mails(app) == []


def test_a_forged_or_foreign_link_sets_nothing(app, client):
    with app.app_context():
        user = factories.user(db.session, Role.STAFF, email="staff@cluster.example")
        db.session.commit()
        user_id = user.id
    for token in ("not-a-token", "WzEsIDFd.bad.signature"):
        page = client.post(
            f"/password/set/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert page.status_code == 200
        assert "no longer valid" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).session_version == 1
    assert _login(client, "staff@cluster.example", NEW_PASSWORD) == 200  # refused


def test_staff_invite_people_of_an_imported_supplier(app, client, login_as):
    app.config["PUBLIC_URL"] = PUBLIC
    with app.app_context():
        imported = factories.supplier(
            db.session, "ООО «Импорт»", inn=None, status="pending", email="info@import.example"
        )
        db.session.commit()
        supplier_id = imported.id
    login_as(Role.STAFF)
    page = client.get(f"/suppliers/{supplier_id}").get_data(as_text=True)
    assert "Nobody from this company can log in yet" in page
    assert 'value="info@import.example"' in page  # the contact address is offered

    answer = client.post(
        f"/suppliers/{supplier_id}/invite",
        data={"email": "Olga@Import.example", "name": "Ольга", "locale": "ru"},
    )
    assert answer.status_code == 302
    taken = client.post(
        f"/suppliers/{supplier_id}/invite", data={"email": "olga@import.example", "locale": "ru"}
    )
    assert taken.status_code == 200
    assert "An account with this e-mail already exists." in taken.get_data(as_text=True)
    [mail] = _mails(app)
    assert mail.recipient == "olga@import.example"
    assert mail.subject == "Ваша учётная запись matchmaker: ООО «Импорт»"
    link = _link(mail)
    client.post("/logout")

    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    profile = client.get("/supplier/profile")
    assert profile.status_code == 200 and "ООО «Импорт»" in profile.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "olga@import.example"))
        assert user is not None and (user.role, user.supplier_id) == ("supplier", supplier_id)
        assert db.session.scalar(select(func.count()).select_from(User)) == 2  # staff + Olga


def test_without_a_public_address_production_mails_no_link(app, client):
    app.config.update(ENV_NAME="production", PUBLIC_URL="")
    with app.app_context():
        factories.user(db.session, Role.STAFF, email="staff@cluster.example", locale="en")
        db.session.commit()
    client.post("/password/forgot", data={"email": "staff@cluster.example"})
    [mail] = _mails(app)
    # A client chooses the Host header: a password link is never built from it.
    assert "/password/set/" not in mail.body
    assert "Ask cluster staff for a new link" in mail.body
