"""Native-messaging framing: exact bytes, limits, and fuzzing for crashes."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import FrameTooLarge
from agent.framing import BROWSER_FRAME_LIMIT, FrameDecoder, FrameProblem, encode_frame


def frame(payload: bytes) -> bytes:
    return struct.pack("=I", len(payload)) + payload


def test_encode_is_native_length_then_utf8_json() -> None:
    data = encode_frame({"a": "é"})
    assert data[:4] == struct.pack("=I", len(data) - 4)
    assert json.loads(data[4:].decode("utf-8")) == {"a": "é"}


def test_encode_refuses_more_than_one_mebibyte() -> None:
    with pytest.raises(FrameTooLarge):
        encode_frame({"x": "a" * BROWSER_FRAME_LIMIT})
    assert len(encode_frame({"x": "a" * (BROWSER_FRAME_LIMIT - 20)})) <= BROWSER_FRAME_LIMIT + 4


def test_decoder_reassembles_frames_split_anywhere() -> None:
    stream = encode_frame({"id": 1}) + encode_frame({"id": 2}) + encode_frame([3])
    for cut in range(len(stream) + 1):
        decoder = FrameDecoder()
        out = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert out == [{"id": 1}, {"id": 2}, [3]]
        assert decoder.eof() is None


def test_oversized_frame_is_reported_skipped_and_reading_goes_on() -> None:
    decoder = FrameDecoder(limit=10)
    out = decoder.feed(frame(b'"' + b"a" * 20 + b'"') + encode_frame({"ok": 1}))
    assert isinstance(out[0], FrameProblem) and out[0].code == "frame_too_large"
    assert out[1:] == [{"ok": 1}]


def test_invalid_utf8_and_bad_json_are_problems() -> None:
    out = FrameDecoder().feed(frame(b"\xff\xfe") + frame(b"{nope") + frame(b"{}"))
    assert [getattr(item, "code", item) for item in out] == ["bad_frame", "bad_frame", {}]


def test_truncated_input_is_reported_at_eof() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x05\x00") == []
    problem = decoder.eof()
    assert problem is not None and problem.code == "truncated_frame"


def test_huge_length_header_does_not_allocate() -> None:
    decoder = FrameDecoder()
    out = decoder.feed(b"\xff\xff\xff\xff" + b"x" * 1000)
    assert [p.code for p in out] == ["frame_too_large"]
    assert decoder.eof() is not None


chunks = st.one_of(
    st.binary(max_size=64),
    st.just(b"\xff\xff\xff\xff"),
    st.builds(lambda n: struct.pack("=I", n), st.integers(0, 2**32 - 1)),
    st.builds(frame, st.binary(max_size=40)),
    st.builds(lambda b: frame(b"\xc3" + b), st.binary(max_size=8)),
    st.builds(lambda o: encode_frame(o), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(chunks, max_size=12))
def test_fuzzed_streams_never_raise(parts: list[bytes]) -> None:
    decoder = FrameDecoder()
    for part in parts:
        for item in decoder.feed(part):
            assert isinstance(item, FrameProblem) or item is not None or item is None
    decoder.eof()
