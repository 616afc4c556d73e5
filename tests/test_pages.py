"""Error pages, CSRF, security headers, rate limiting, the front page."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import Role
from tests import factories


def test_front_page_for_visitors(client):
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Register your company" in body
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in body  # no inline scripts: the CSP forbids them


def test_not_found_page_and_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Not found" in page.get_data(as_text=True)
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.get_json()["error"] == "Not found"


def test_forbidden_page(client, login_as):
    login_as(Role.SUPPLIER)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)


def test_server_error_page_hides_details(app, client):
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "secret detail" not in body


def test_static_assets_are_served_locally(client):
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200
    assert b"Bootstrap" in response.data[:200]
    response.close()


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused_and_writes_nothing(self, app, client, login_as):
        login_as(Role.STAFF)
        response = client.post(
            "/buyers/new", data={"name": "Sneaky", "kind": "OEM", "country": "X"}
        )
        assert response.status_code == 400
        assert "Form expired" in response.get_data(as_text=True)
        from sqlalchemy import select

        from matchmaker.models import Buyer

        with app.app_context():
            assert db.session.scalar(select(Buyer).where(Buyer.name == "Sneaky")) is None

    def test_button_posts_need_a_token_too(self, client, login_as):
        login_as(Role.STAFF)
        assert client.post("/logout").status_code == 400

    def test_form_with_token_goes_through(self, client):
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"csrf_token": token, "email": "a@b.example", "password": "x"}
        )
        assert response.status_code == 200
        assert "Wrong e-mail or password." in response.get_data(as_text=True)


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_login_attempts_are_limited(self, app, client):
        with app.app_context():
            factories.user(db.session, Role.STAFF, email="s@cluster.example")
            db.session.commit()
        data = {"email": "s@cluster.example", "password": "wrong"}
        codes = [client.post("/login", data=data).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "Too many attempts" in client.post("/login", data=data).get_data(as_text=True)
