"""engine/corpus.py: what `kefu impact` replays, and the one line naming FILE:LINE for input it cannot read."""

from __future__ import annotations

import io
import json

import pytest

from kefu.engine.corpus import CorpusError, Message, Stream, case_messages, read_corpus, scenarios
from kefu.engine.events import CustomerMessage
from tests.engine.plays import tw_rules


def read(data: bytes) -> list[Message] | Stream:
    return read_corpus(io.BytesIO(data), "q.jsonl")


def test_eval_query_lines_are_plain_messages() -> None:
    first = '{"text": "有免運嗎", "intent": "shipping.free"}\n'.encode()
    found = read(first + b'\n{"text": "hi", "expect": null, "shop": "sg"}\n')
    assert isinstance(found, list)
    assert [(m.text, m.shop, m.where) for m in found] == [("有免運嗎", None, "q.jsonl:1"), ("hi", "sg", "q.jsonl:3")]


def test_a_file_whose_first_line_has_a_type_is_an_event_stream() -> None:
    found = read(
        b'{"type": "customer_message", "time": "2026-11-24T23:30:00+08:00", "conversation": "c1", "text": "hi"}\n'
    )
    assert isinstance(found, Stream) and found.kind == "events"
    assert isinstance(found.events[0].event, CustomerMessage) and found.events[0].where == "q.jsonl:1"


def test_an_event_file_whose_first_line_is_long_is_still_an_event_stream() -> None:
    """The kind is read from the whole first line, not from the first bytes of the file."""
    first = {"type": "customer_message", "time": "2026-11-24T23:30:00+08:00", "conversation": "c1", "text": "我" * 4000}
    second = {**first, "text": "hi"}
    found = read((json.dumps(first, ensure_ascii=False) + "\n" + json.dumps(second) + "\n").encode())
    assert isinstance(found, Stream) and len(found.events) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"text": "a"}\n{"text": \n', "q.jsonl:2: not JSON"),
        (b'{"text": "a"}\n["b"]\n', 'q.jsonl:2: expected an object with a "text" string'),
        (b'{"text": "a"}\n{"text": "\xff"}\n', "q.jsonl:2: not UTF-8 text"),
        (b'{"type": "customer_message"}\n', "q.jsonl:1: customer_message.time: required"),
        (b"\x00\x01binary", "q.jsonl: a binary file, not JSON Lines"),
        (b"", "q.jsonl: empty"),
        (b"\n\n", "q.jsonl: no messages"),
    ],
)
def test_input_kefu_cannot_read_is_one_line_naming_where(data: bytes, message: str) -> None:
    with pytest.raises(CorpusError) as error:
        read(data)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_the_demo_shops_tests_and_scenarios_are_in_the_corpus() -> None:
    shop = tw_rules().shop
    tests = case_messages(shop, lambda name: "HEAD:" + name)
    assert tests and all(m.kind == "test" and m.where.startswith("HEAD:") for m in tests)
    streams = scenarios([(shop, str), (shop, str)])
    assert len(streams) == len(shop.scenarios)  # the same scenario on both sides is replayed once
    assert all(any(isinstance(p.event, CustomerMessage) for p in s.events) for s in streams)
