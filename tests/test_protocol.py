"""Frame parsing and building (consumers/protocol.py). Pure, no database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from consumers import protocol
from consumers.protocol import MAX_FRAME_BYTES, ProtocolError, Request, error_frame, ok_frame, parse_frame
from moderation import exceptions


def frame(**fields) -> str:
    return json.dumps(fields)


def request(**fields) -> Request:
    return Request(type="question.vote", id="r1", fields=fields)


# --- parse_frame ----------------------------------------------------------------


def test_valid_frame_gives_type_id_and_the_other_fields():
    # given
    text = frame(type="question.submit", id="c1", text="Why?", client_key="k-1", author=None)

    # when
    parsed = parse_frame(text)

    # then type and id are lifted out; everything else is a field
    assert parsed == Request(
        type="question.submit", id="c1", fields={"text": "Why?", "client_key": "k-1", "author": None}
    )


def test_frame_without_id_has_id_none():
    # given / when
    parsed = parse_frame(frame(type="resync"))

    # then
    assert parsed.type == "resync" and parsed.id is None and parsed.fields == {}


@pytest.mark.parametrize("binary", [b'{"type":"resync"}', b"", b"\x00\xff"])
def test_binary_frame_is_refused(binary: bytes):
    # given a binary frame, even one holding valid JSON
    # when / then
    with pytest.raises(ProtocolError) as info:
        parse_frame(None, binary)
    assert info.value.request_id is None
    assert "binary" in info.value.message.lower()


@pytest.mark.parametrize("text", ["", "not json", "{", '{"type": "resync",}', "{'type': 'resync'}", "\x00"])
def test_text_that_is_not_json_is_refused(text: str):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        parse_frame(text)
    assert info.value.request_id is None


def test_deeply_nested_json_is_refused_not_crashing():
    # given a frame under the size limit whose nesting exceeds the recursion limit
    depth = 7000
    text = '{"type":"resync","x":' + "[" * depth + "]" * depth + "}"
    assert len(text.encode()) <= MAX_FRAME_BYTES

    # when / then it is a protocol error, not a RecursionError escaping the consumer
    with pytest.raises(ProtocolError):
        parse_frame(text)


@pytest.mark.parametrize("text", ['[{"type": "resync"}]', "[]", '"resync"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_refused(text: str):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        parse_frame(text)
    assert "object" in info.value.message


@pytest.mark.parametrize(
    "fields",
    [{}, {"type": ""}, {"type": None}, {"type": 5}, {"type": ["resync"]}, {"type": {"a": 1}}, {"type": True}],
    ids=["missing", "empty", "null", "int", "list", "object", "bool"],
)
def test_missing_empty_or_non_string_type_is_refused_and_echoes_the_id(fields: dict):
    # given a frame with a good id but no usable type
    text = frame(id="x-7", **fields)

    # when / then the error still carries the id, so the client can match it
    with pytest.raises(ProtocolError) as info:
        parse_frame(text)
    assert info.value.request_id == "x-7"


def test_frame_at_the_size_limit_is_accepted():
    # given a frame of exactly 16 KiB
    skeleton = frame(type="question.submit", text="")
    text = frame(type="question.submit", text="a" * (MAX_FRAME_BYTES - len(skeleton)))
    assert len(text.encode()) == MAX_FRAME_BYTES == 16 * 1024

    # when
    parsed = parse_frame(text)

    # then
    assert parsed.type == "question.submit"


def test_frame_over_the_size_limit_is_refused():
    # given a frame one byte over 16 KiB
    skeleton = frame(type="question.submit", id="big", text="")
    text = frame(type="question.submit", id="big", text="a" * (MAX_FRAME_BYTES - len(skeleton) + 1))
    assert len(text.encode()) == MAX_FRAME_BYTES + 1

    # when / then
    with pytest.raises(ProtocolError) as info:
        parse_frame(text)
    assert str(MAX_FRAME_BYTES) in info.value.message


def test_size_limit_counts_utf8_bytes_not_characters():
    # given a frame of fewer than 16 Ki characters but more than 16 KiB in UTF-8
    text = json.dumps({"type": "question.submit", "text": "é" * 8200}, ensure_ascii=False)
    assert len(text) < MAX_FRAME_BYTES < len(text.encode())

    # when / then
    with pytest.raises(ProtocolError):
        parse_frame(text)


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        ("c1", "c1"),
        ("", ""),
        ("x" * 64, "x" * 64),
        ("é" * 64, "é" * 64),
        ("x" * 65, None),
        (7, None),
        (7.5, None),
        (True, None),
        (None, None),
        (["c1"], None),
        ({"id": "c1"}, None),
    ],
    ids=["short", "empty", "64", "64-unicode", "65", "int", "float", "bool", "null", "list", "object"],
)
def test_id_is_echoed_only_when_a_string_of_at_most_64_characters(given, echoed):
    # given
    text = frame(type="resync", id=given)

    # when
    parsed = parse_frame(text)

    # then
    assert parsed.id == echoed
    assert "id" not in parsed.fields


# --- Request fields -------------------------------------------------------------


def test_str_field_returns_the_string():
    # given / when / then
    assert request(text="Why?").str_field("text") == "Why?"
    assert request(text="").str_field("text") == ""


@pytest.mark.parametrize("fields", [{}, {"text": None}])
def test_str_field_missing_required_is_refused(fields: dict):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        request(**fields).str_field("text")
    assert info.value.request_id == "r1"
    assert "text" in info.value.message


@pytest.mark.parametrize("fields", [{}, {"author": None}])
def test_str_field_optional_missing_gives_the_default(fields: dict):
    # given / when / then
    assert request(**fields).str_field("author", required=False) == ""
    assert request(**fields).str_field("author", required=False, default="anon") == "anon"


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": "b"}])
@pytest.mark.parametrize("required", [True, False])
def test_str_field_of_another_type_is_refused(value, required: bool):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        request(text=value).str_field("text", required=required)
    assert info.value.request_id == "r1"


@pytest.mark.parametrize("value", [0, 1, 7, 2**40])
def test_int_field_accepts_non_negative_integers(value: int):
    # given / when / then
    assert request(question_id=value).int_field("question_id") == value


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
def test_int_field_refuses_booleans(value: bool):
    # given a JSON boolean, which Python counts as an int
    # when / then
    with pytest.raises(ProtocolError):
        request(question_id=value).int_field("question_id")


@pytest.mark.parametrize("value", [-1, -(2**40), 1.0, 1.5, "7", "", [7], {"id": 7}])
def test_int_field_refuses_negative_and_non_integer_values(value):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        request(question_id=value).int_field("question_id")
    assert info.value.request_id == "r1"


@pytest.mark.parametrize("fields", [{}, {"question_id": None}])
def test_int_field_missing_required_is_refused(fields: dict):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        request(**fields).int_field("question_id")
    assert "question_id" in info.value.message


@pytest.mark.parametrize("fields", [{}, {"version": None}])
def test_int_field_optional_missing_is_none(fields: dict):
    # given / when / then
    assert request(**fields).int_field("version", required=False) is None


def test_int_field_optional_present_is_still_checked():
    # given / when / then
    assert request(version=3).int_field("version", required=False) == 3
    with pytest.raises(ProtocolError):
        request(version=-3).int_field("version", required=False)
    with pytest.raises(ProtocolError):
        request(version=True).int_field("version", required=False)


@pytest.mark.parametrize("value", [True, False])
def test_bool_field_accepts_booleans(value: bool):
    # given / when / then
    assert request(up=value).bool_field("up") is value


@pytest.mark.parametrize("fields", [{}, {"up": None}, {"up": 1}, {"up": 0}, {"up": "true"}, {"up": []}])
def test_bool_field_refuses_missing_and_non_booleans(fields: dict):
    # given / when / then
    with pytest.raises(ProtocolError) as info:
        request(**fields).bool_field("up")
    assert info.value.request_id == "r1"


# --- building frames -------------------------------------------------------------


def test_ok_frame_shape():
    # given / when
    built = ok_frame("c1", question={"id": 7}, duplicate=False)

    # then
    assert built == {"type": "ok", "id": "c1", "question": {"id": 7}, "duplicate": False}
    assert json.loads(json.dumps(built)) == built


def test_ok_frame_without_id_carries_null_id():
    # given / when / then: the id key is always present
    assert ok_frame(None) == {"type": "ok", "id": None}


@pytest.mark.parametrize("code", protocol.ERROR_CODES)
def test_error_frame_shape(code: str):
    # given / when
    built = error_frame("c1", code, "Something went wrong.")

    # then
    assert built == {"type": "error", "id": "c1", "code": code, "message": "Something went wrong."}
    assert json.loads(json.dumps(built)) == built


def test_error_codes_are_the_documented_ones():
    # given / when / then
    assert set(protocol.ERROR_CODES) == {
        "bad_request",
        "forbidden",
        "not_found",
        "conflict",
        "too_long",
        "rate_limited",
        "closed",
        "personal_data",
        "expired",
        "paused",
        "unavailable",
    }


@pytest.mark.parametrize("code", ["", "oops", "internal_error", "BAD_REQUEST", "ok"])
def test_error_frame_refuses_unknown_codes(code: str):
    # given / when / then
    with pytest.raises((AssertionError, ValueError)):
        error_frame("c1", code, "message")


@pytest.mark.parametrize(
    "error_class",
    [
        exceptions.DomainError,
        exceptions.BadRequest,
        exceptions.Forbidden,
        exceptions.NotFound,
        exceptions.Conflict,
        exceptions.TooLong,
        exceptions.RateLimited,
        exceptions.TownHallClosed,
        exceptions.PersonalData,
        exceptions.Expired,
        exceptions.Paused,
    ],
)
def test_every_domain_error_code_can_be_sent(error_class: type[exceptions.DomainError]):
    # given a domain error raised by a service
    error = error_class("message")

    # when the consumer turns it into a frame
    built = error_frame("c1", error.code, error.message)

    # then its code is a protocol code
    assert built["code"] in protocol.ERROR_CODES


def test_all_actions_are_the_documented_requests():
    # given the request tables of the contract
    doc = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+(?:\.[a-z_]+)?) [{]", doc, flags=re.MULTILINE))

    # then the code knows exactly the documented requests
    assert (
        documented
        == protocol.ALL_ACTIONS
        == {
            "resync",
            "question.submit",
            "question.withdraw",
            "question.vote",
            "question.approve",
            "question.reject",
            "question.edit",
            "question.answered",
            "screen.show",
            "screen.clear",
            "townhall.held_terms",
            "question.merge",
            "question.approve_many",
            "screen.next",
            "screen.reorder",
            "question.preview",
            "question.editing",
            "presence.ping",
            "question.restore",
            "question.star",
            "question.topic",
            "decision.undo",
            "townhall.close",
            "screen.sort_by_votes",
            "townhall.pause",
            "townhall.slow_mode",
            "flood.review",
            "townhall.charter",
        }
    )


def test_close_codes():
    # given / when / then
    assert (protocol.CLOSE_UNKNOWN_TOWNHALL, protocol.CLOSE_UNAUTHENTICATED, protocol.CLOSE_FORBIDDEN) == (
        4404,
        4401,
        4403,
    )
