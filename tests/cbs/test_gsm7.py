"""GSM 7-bit alphabet, septet packing, alphabet choice (3GPP TS 23.038)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eas_encoder.cbs import gsm7
from eas_encoder.errors import CbsError

GSM7_CHARS = "".join(sorted(gsm7._ENCODE))  # every character the alphabet can carry


def test_libosmocore_packing_vectors():
    # libosmocore tests/sms/sms_test.c, as quoted in shared/reference/cbs/notes.md §1.7
    assert gsm7.pack_septets(gsm7.text_to_septets("test text")).hex() == "f4f29c0ea297f174"
    text = "enhanced ^ {][} test |+~ ^ test"
    septets = gsm7.text_to_septets(text)
    assert len(septets) == 39
    assert gsm7.pack_septets(septets).hex() == (
        "65373aec1e97c9a00d05b4416d7c1bde2605a297e774d006b8daf4401b0a885e9ed301")


def test_extension_characters_cost_two_septets():
    assert gsm7.text_to_septets("€[") == bytes([0x1B, 0x65, 0x1B, 0x3C])
    assert gsm7.septet_count("a€") == 3


def test_unknown_escape_shows_base_character_and_esc_esc_a_space():
    assert gsm7.septets_to_text(bytes([0x1B, 0x41])) == "A"
    assert gsm7.septets_to_text(bytes([0x1B, 0x1B, 0x41])) == " A"


def test_character_outside_alphabet_names_position():
    with pytest.raises(CbsError) as exc:
        gsm7.text_to_septets("ab\u00e1c")
    assert exc.value.position == 2 and exc.value.value == "\u00e1"


@pytest.mark.parametrize("text,pos", [("Se busca niño, vea á", 19), ("火事", 0),
                                      ("fire \U0001F525", 5)])
def test_ucs2_chosen_and_reported(text, pos):
    choice = gsm7.choose_alphabet(text)
    assert choice.alphabet == "ucs2" and choice.position == pos
    assert repr(text[pos]) in choice.note


def test_emoji_note_mentions_surrogate_pair():
    assert "surrogate" in gsm7.choose_alphabet("\U0001F525").note


def test_gsm7_kept_for_spanish_letters_in_the_alphabet():
    # ñ, é, ü, ¿, ¡ are in the default alphabet; CR and LF too.
    assert gsm7.choose_alphabet("¿Niño? ¡Sí é ü!\r\n".replace("í", "i")).alphabet == "gsm7"


def test_split_keeps_escape_pairs_together():
    text = "x" * 92 + "€"
    pieces = gsm7.split_gsm7(text)
    assert pieces == ["x" * 92, "€"]


def test_split_ucs2_keeps_surrogate_pairs_together():
    text = "a" * 40 + "\U0001F525"
    assert gsm7.split_ucs2(text) == ["a" * 40, "\U0001F525"]


def test_ucs2_odd_length_names_octet():
    with pytest.raises(CbsError) as exc:
        gsm7.decode_ucs2(b"\x00A\x00", offset=6)
    assert exc.value.position == 8


@given(st.binary(max_size=200).map(lambda b: bytes(x & 0x7F for x in b)))
def test_pack_unpack_round_trip(septets):
    packed = gsm7.pack_septets(septets)
    assert len(packed) == gsm7.packed_length(len(septets))
    assert gsm7.unpack_septets(packed, len(septets)) == septets


@given(st.text(alphabet=GSM7_CHARS, max_size=200))
def test_text_septet_round_trip(text):
    assert gsm7.septets_to_text(gsm7.text_to_septets(text)) == text


@given(st.text(alphabet=GSM7_CHARS, max_size=400), st.integers(2, 93))
def test_split_gsm7_pieces_fit_and_join(text, capacity):
    pieces = gsm7.split_gsm7(text, capacity)
    assert "".join(pieces) == text
    assert all(gsm7.septet_count(p) <= capacity for p in pieces)


@pytest.mark.parametrize("split,capacity", [(gsm7.split_gsm7, 93), (gsm7.split_ucs2, 41)])
def test_pieces_do_not_end_in_cr_that_would_read_as_padding(split, capacity):
    text = "a" * (capacity - 2) + "\r\rb"
    pieces = split(text)
    assert pieces == ["a" * (capacity - 2), "\r\rb"]
