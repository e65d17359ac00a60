"""An API key is taken out of text whole in any letter case, and any run of 12 or more of its
characters; shorter runs and other text stay as they were."""

from __future__ import annotations

import pytest

from panel.vultr.secrets import scrub

KEY = "EXAMPLEKEY0123456789ABCDEFGHIJKLMNOP"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Invalid API key {KEY}.", "Invalid API key [redacted]."),
        (f"Invalid API key {KEY.lower()}.", "Invalid API key [redacted]."),
        (f"key={KEY[5:17]}", "key=[redacted]"),  # exactly 12 characters of it
        (f"key={KEY[3:30].lower()}!", "key=[redacted]!"),
        (f"{KEY[:11]} is too short to be sure", f"{KEY[:11]} is too short to be sure"),
        (f"two: {KEY[:14]} and {KEY[20:].lower()}", "two: [redacted] and [redacted]"),
        ("Köln ÄÖÜ İstanbul, nothing of the key", "Köln ÄÖÜ İstanbul, nothing of the key"),
        ("", ""),
    ],
)
def test_it_scrubs_the_key_in_any_case_and_any_long_run_of_it(text, expected):
    assert scrub(text, [KEY]) == expected


def test_letters_outside_ascii_keep_their_places():
    text = f"İİ {KEY.lower()} ßß"

    assert scrub(text, [KEY]) == "İİ [redacted] ßß"


def test_a_short_secret_is_scrubbed_whole():
    assert scrub("no such key here", ["KEY"]) == "no such [redacted] here"
