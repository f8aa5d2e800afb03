"""A quote's locale (BCP 47): set on create and edit, checked with Babel, defaulted from the
settings, copied to new versions, shown in the quote's JSON (SQLite and PostgreSQL)."""

from __future__ import annotations

from quotes_world import World, act, create, get, lines, ok, patch, problem


def test_a_new_quote_takes_the_default_locale(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())

    assert quote["locale"] == "en-US"
    assert get(world.client("rita"), quote)["locale"] == "en-US"


def test_the_default_locale_comes_from_the_settings(world: World) -> None:
    world.settings = world.settings.model_copy(update={"default_locale": "de-CH"})
    world.clients.clear()

    quote = create(world.client("rita"), lines=lines())

    assert quote["locale"] == "de-CH"


def test_a_locale_is_set_on_create_in_its_usual_case(world: World) -> None:
    rita = world.client("rita")

    swiss = create(rita, lines=lines(), locale="de-CH")
    german = create(rita, lines=lines(), locale="de-de")
    taiwan = create(rita, lines=lines(), locale="zh-hant-tw")

    assert [q["locale"] for q in (swiss, german, taiwan)] == ["de-CH", "de-DE", "zh-Hant-TW"]
    assert get(rita, swiss)["locale"] == "de-CH"


def test_a_locale_is_changed_by_an_edit_without_touching_the_prices(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    edited = ok(patch(rita, quote, locale="en-GB"))

    assert edited["locale"] == "en-GB"
    assert get(rita, quote)["locale"] == "en-GB"
    assert edited["snapshot_hash"] == quote["snapshot_hash"]  # not a term of the price
    assert edited["total"] == quote["total"]
    assert ok(patch(rita, edited, title="Hall 4"))["locale"] == "en-GB"  # kept by other edits


def test_an_unknown_locale_is_a_problem_naming_the_field(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    for value in ("xx-YY", "de-XX", "de_DE", "", "en-US-x-private"):
        body = problem(rita.post("/v1/quotes", json={"customer": "C-10001", "locale": value}), 422)
        assert [e["field"] for e in body["errors"]] == ["body.locale"], (value, body)
    body = problem(patch(rita, quote, locale="klingon"), 422)
    assert [e["field"] for e in body["errors"]] == ["body.locale"]
    assert get(rita, quote)["locale"] == "en-US"


def test_a_new_version_keeps_the_locale(world: World) -> None:
    rita = world.client("rita")
    quote = ok(act(rita, create(rita, lines=lines(), locale="de-CH"), "submit"))
    assert quote["status"] == "approved"

    revised = ok(act(rita, quote, "revise"), 201)

    assert revised["version"] == 2 and revised["locale"] == "de-CH"
    first = ok(rita.get(f"/v1/quotes/{quote['id']}/versions/1"))
    assert first["locale"] == "de-CH"


def test_an_edit_that_changes_no_term_keeps_the_snapshot_hash(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())  # created with only some terms given

    retitled = ok(patch(rita, quote, title="Hall 3"))

    assert retitled["snapshot_hash"] == quote["snapshot_hash"]
