"""chain.canonical is a faster RFC 8785 encoder: it must agree with rfc8785 byte for byte."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest
import rfc8785

from eventstore import chain

TRICKY_STRINGS = [
    "",
    "plain ascii",
    'quote " and backslash \\ and slash /',
    "\x00\x01\x07\x08\t\n\x0b\x0c\r\x0e\x1f\x7f",
    "café naïve Zoë Ångström",
    "\u00e9 vs e\u0301 (combining)",
    "日本語のテキスト",
    "emoji 😀👍🏽 and flags 🇬🇧",
    "\u2028 line and paragraph \u2029 separators",
    "private use \ue000 \uf8ff and specials \ufeff \ufffd",
    "astral \U00010000 \U0001d11e \U0010ffff",
    "<script>&amp;</script>",
]

TRICKY_KEYS = [
    "",
    "a",
    "A",
    "aa",
    "a b",
    "_",
    "1",
    "10",
    "2",
    "é",
    "z",
    "\u00ff",
    "\u0100",
    "\ue000",
    "\uffff",
    "\U00010000",
    "😀",
    "\x00",
    "\x1f",
    "key\nwith newline",
]

INTEGERS = [0, 1, -1, 42, -42, 10**15, -(10**15), 2**53 - 1, -(2**53 - 1), 2**31, 2**32 + 7]
FLOATS = [
    0.0,
    -0.0,
    0.5,
    -1.5,
    1.0,
    100.0,
    1e21,
    1e-7,
    123456789.125,
    5e-324,
    1.7976931348623157e308,
    0.1 + 0.2,
]


def agree(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except Exception as exc:  # rfc8785 refuses it: canonical must refuse it the same way
        with pytest.raises(type(exc)):
            chain.canonical(value)
        return
    assert chain.canonical(value) == expected, value


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = (
        ["str", "int", "bool", "none", "list", "dict"]
        if depth < 4
        else ["str", "int", "bool", "none"]
    )
    if rng.random() < 0.05:
        kinds.append("float")
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(TRICKY_STRINGS) if rng.random() < 0.5 else random_text(rng)
    if kind == "int":
        return rng.choice(INTEGERS) if rng.random() < 0.5 else rng.randint(-(2**53 - 1), 2**53 - 1)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "float":
        return rng.choice(FLOATS) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    keys = {
        rng.choice(TRICKY_KEYS) if rng.random() < 0.3 else random_text(rng)
        for _ in range(rng.randint(0, 6))
    }
    return {key: random_value(rng, depth + 1) for key in keys}


def random_text(rng: random.Random) -> str:
    alphabet = 'abcXYZ019 _-"\\\n\t\x01é日😀\ue000\U00010000'
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def test_canonical_agrees_with_rfc8785_on_thousands_of_random_values() -> None:
    rng = random.Random(8785)
    for _ in range(5000):
        agree(random_value(rng))


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_strings_and_their_escapes_agree(text: str) -> None:
    agree(text)
    agree({text: text})
    agree([text, {"k": text}])


def test_key_order_agrees_including_utf16_ordering_of_astral_characters() -> None:
    agree({key: i for i, key in enumerate(TRICKY_KEYS)})
    agree({"\ue000": 1, "\U00010000": 2})  # code point order and UTF-16 order differ here
    agree({"\uffff": 1, "😀": 2, "a": 3})


@pytest.mark.parametrize("number", INTEGERS + FLOATS)
def test_numbers_agree(number: float) -> None:
    agree(number)
    agree({"n": number, "list": [number, -number]})


@pytest.mark.parametrize(
    "refused",
    [2**53, -(2**53), 10**30, float("nan"), float("inf"), "\ud800 lone surrogate", {1: "int key"}],
)
def test_what_rfc8785_refuses_is_refused_alike(refused: Any) -> None:
    agree(refused)
    agree({"nested": [refused]})


def test_other_types_agree_through_rfc8785() -> None:
    agree((1, "tuple", None))
    agree({"t": (True, [1, 2])})
    agree([[], {}, [[]], {"": {}}])


def envelope(data: dict[str, Any], personal: dict[str, str] | None = None) -> dict[str, Any]:
    return chain.envelope(
        tenant_id=UUID(int=1),
        event_id=UUID(int=2),
        stream_type="care-plan",
        stream_id=UUID(int=3),
        version=7,
        event_type="CarePlanReviewed",
        schema_version=2,
        data=data,
        personal=personal,
        subject_id=UUID(int=4) if personal else None,
        metadata={"actor": "u", "request_id": None},
        location_id=UUID(int=5),
        recorded_at=datetime(2024, 6, 11, 9, 30, 0, 123456, tzinfo=UTC),
        idempotency_key="k-1",
    )


def test_an_ordinary_envelope_takes_the_fast_path_and_hashes_per_the_recipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {"care_plan_id": "p-1", "review_number": 3, "actions": [{"code": "HYD-01"}], "ok": True}
    env = envelope(data, {"name": "AAAA"})
    expected = rfc8785.dumps(env)

    def not_called(value: Any) -> bytes:
        raise AssertionError("the fast path should have handled this envelope")

    monkeypatch.setattr(chain.rfc8785, "dumps", not_called)
    assert chain.canonical(env) == expected
    assert chain.event_hash(env) == hashlib.sha256(expected).digest()


def test_envelopes_of_decoded_json_agree() -> None:
    """What the store hashes: data as decoded from the JSON it stores."""
    rng = random.Random(20240611)
    for _ in range(500):
        value = random_value(rng)
        try:
            data = msgspec.json.decode(msgspec.json.encode({"v": value}))
        except Exception:
            continue
        agree(envelope(data))


def test_timestamps_keep_their_one_textual_form() -> None:
    """format_timestamp takes a faster road to exactly `%Y-%m-%dT%H:%M:%S.%fZ` in UTC."""
    from datetime import timedelta, timezone

    rng = random.Random(1941)
    for _ in range(20_000):
        zone = timezone(timedelta(minutes=rng.randint(-900, 900)))
        moment = datetime(
            rng.randint(1000, 9998),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
            rng.choice([0, rng.randint(0, 999_999)]),
            zone,
        )
        expected = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert chain.format_timestamp(moment) == expected
