"""The Russian translation: pages, form errors, and the catalogue itself.

The compiled catalogue (``messages.mo``) is build output: ``make install`` (and so
``make test`` and ``make run``) compiles it from ``messages.po``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from werkzeug.datastructures import MultiDict

from matchmaker.auth.forms import LocaleForm, LoginForm
from matchmaker.models import Role

TRANSLATIONS = Path(__file__).resolve().parent.parent / "matchmaker" / "translations"
RU_PO = TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po"
RU_MO = RU_PO.with_suffix(".mo")
RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}

# WTForms' own Russian catalogue, used by Flask-WTF when WTF_I18N_ENABLED is on.
RU_REQUIRED = "Обязательное поле."
RU_BAD_EMAIL = "Неверный адрес электронной почты."
RU_BAD_CHOICE = "Неверный вариант."

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([sdifr])")


def _catalogue() -> Catalog:
    with RU_PO.open("rb") as f:
        return read_po(f, locale="ru")


def _messages() -> list[Message]:
    return [message for message in _catalogue() if message.id]


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text))


def _body(response) -> str:
    return response.get_data(as_text=True)


# --- pages -----------------------------------------------------------------------------


def test_login_page_in_russian_for_a_russian_browser(client):
    body = _body(client.get("/login", headers=RUSSIAN))
    assert '<html lang="ru">' in body
    assert "Войти" in body
    assert "Эл. почта" in body and "Пароль" in body and "Запомнить меня" in body
    assert "Зарегистрировать компанию" in body
    assert "Log in" not in body


@pytest.mark.parametrize("headers", [{}, ENGLISH, {"Accept-Language": "de-DE,de;q=0.9"}])
def test_login_page_stays_english_otherwise(client, headers):
    body = _body(client.get("/login", headers=headers))
    assert '<html lang="en">' in body
    assert "Log in" in body and "Keep me logged in" in body
    assert "Войти" not in body


def test_login_errors_in_russian(client):
    empty = _body(client.post("/login", data={"email": "", "password": ""}, headers=RUSSIAN))
    assert empty.count(RU_REQUIRED) == 2
    assert "This field is required." not in empty
    wrong = _body(
        client.post(
            "/login",
            data={"email": "nobody@test.example", "password": "wrong-password"},
            headers=RUSSIAN,
        )
    )
    assert "Неверный адрес эл. почты или пароль." in wrong


def test_registration_errors_in_russian(client):
    body = _body(
        client.post(
            "/register",
            data={
                "company_name": "",
                "inn": "7707083893",
                "region": "Самарская область",
                "email": "not-an-address",
                "password": "long-enough-password",
                "confirm": "another-password",
            },
            headers=RUSSIAN,
        )
    )
    assert RU_REQUIRED in body  # WTForms' built-in message
    assert RU_BAD_EMAIL in body  # WTForms' built-in message
    assert "Пароли не совпадают." in body  # our own lazy message
    assert "Название компании" in body and "ИНН" in body  # lazy field labels


def test_supplier_with_russian_locale_sees_russian_pages(client, login_as):
    login_as(Role.SUPPLIER, locale="ru")
    # The saved language wins over the browser's.
    body = _body(client.get("/supplier", headers=ENGLISH))
    assert '<html lang="ru">' in body
    for item in ("Главная", "Профиль", "Встречи", "Дни поставщика", "Календарь", "Выйти"):
        assert item in body, item
    assert "Supplier Days" not in body and "Log out" not in body
    assert "на проверке" in body  # the status badge of a new supplier


def test_russian_supplier_sees_form_errors_in_russian(client, login_as):
    login_as(Role.SUPPLIER, locale="ru")
    response = client.post(
        "/supplier/profile",
        data={"name": "", "region": "", "website": "zavod", "employees": "many"},
    )
    body = _body(response)
    assert response.status_code == 200
    assert RU_REQUIRED in body
    assert "Укажите полный адрес, например https://zavod.ru" in body
    assert "Численность персонала" in body
    assert "This field is required." not in body


def test_russian_user_sees_invalid_choice_in_russian(client, login_as):
    login_as(Role.BUYER, locale="ru")
    body = _body(client.post("/account/language", data={"locale": "xx"}))
    assert RU_BAD_CHOICE in body
    assert "Учётная запись" in body


def test_staff_with_russian_locale_sees_russian_nav(client, login_as):
    login_as(Role.STAFF, locale="ru")
    body = _body(client.get("/staff/"))
    for item in ("Сводка", "Дни поставщика", "Поставщики", "Заказчики", "Пользователи"):
        assert item in body, item
    assert "Сводка по кластеру" in body


def test_english_user_sees_english_with_a_russian_browser(client, login_as):
    login_as(Role.BUYER, locale="en")
    body = _body(client.get("/buyer", headers=RUSSIAN, follow_redirects=True))
    assert '<html lang="en">' in body
    assert "My needs" in body and "Log out" in body
    assert "Мои потребности" not in body
    errors = _body(client.post("/account/language", data={"locale": "xx"}, headers=RUSSIAN))
    assert "Not a valid choice." in errors
    assert RU_BAD_CHOICE not in errors


def test_switching_language_on_the_account_page(client, login_as):
    login_as(Role.BUYER, locale="en")
    response = client.post("/account/language", data={"locale": "ru"}, follow_redirects=True)
    body = _body(response)
    assert "Язык сохранён." in body and "Учётная запись" in body
    response = client.post("/account/language", data={"locale": "en"}, follow_redirects=True)
    assert "Language saved." in _body(response)


def test_wtforms_builtin_messages_follow_the_locale(app):
    cases = (
        (RUSSIAN, RU_REQUIRED, RU_BAD_CHOICE),
        (ENGLISH, "This field is required.", "Not a valid choice."),
    )
    for headers, required, bad_choice in cases:
        with app.test_request_context("/", method="POST", headers=headers):
            login = LoginForm(
                formdata=MultiDict({"email": "", "password": ""}), meta={"csrf": False}
            )
            assert not login.validate()
            assert login.email.errors == [required]
            locale = LocaleForm(formdata=MultiDict({"locale": "xx"}), meta={"csrf": False})
            assert not locale.validate()
            assert locale.locale.errors == [bad_choice]


# --- the catalogue ---------------------------------------------------------------------


def test_flask_babel_reads_the_package_catalogue(app):
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert Path(directories[0]).resolve() == TRANSLATIONS
    for language in app.config["LANGUAGES"]:
        if language != app.config["BABEL_DEFAULT_LOCALE"]:
            assert (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").is_file()


def test_every_message_is_translated():
    messages = _messages()
    assert len(messages) > 300
    untranslated = [m.id for m in messages if not all(_forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"translate these in {RU_PO.name}: {untranslated}"
    assert not fuzzy, f"review and unflag these fuzzy entries: {fuzzy}"


def test_translations_keep_the_placeholders():
    for message in _messages():
        ids = _forms(message.id)
        expected = _placeholders(ids[-1])
        for translation in _forms(message.string):
            assert _placeholders(translation) == expected, (message.id, translation)
            if expected:  # Flask-Babel formats with %: the text must format cleanly
                values = {name: 1 if kind in "dif" else "x" for name, kind in expected}
                assert isinstance(translation % values, str)


def test_catalogue_passes_babels_checks():
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in _catalogue().check()
    ]
    assert not problems


def test_catalogue_compiles():
    catalogue = _catalogue()
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    translations = Translations(buffer)
    assert translations.gettext("Supplier Day") == "День поставщика"
    assert translations.gettext("Log in") == "Войти"
    assert translations.gettext("Table %(n)d") % {"n": 3} == "Стол 3"
    assert translations.gettext("Room %(n)d") % {"n": 2} == "Комната 2"


def _key(value: object) -> object:
    """Plural entries carry lists (from a .mo) or tuples (from a .po): compare them alike."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_built_catalogue_matches_the_po():
    assert RU_MO.is_file(), "no compiled catalogue: run `make translations` (or `make install`)"
    with RU_MO.open("rb") as f:
        built = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _messages()}
    assert built == source, "the compiled catalogue is stale: run `make translations`"


def test_error_pages_speak_the_users_language(client, login_as):
    login_as(Role.SUPPLIER, locale="ru")
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    body = _body(response)
    assert "Выйти" in body and "Log out" not in body
