"""Taking an API key out of text: the whole key in any letter case, and any run of `MIN_RUN` or
more of its characters (an upstream that echoes part of the key, or lower-cases it, must not
carry it into an error, a log line or anything the panel stores).

Twelve characters of a Vultr key (36 letters and digits) are about 62 bits of it: fewer are
too little to be worth hiding and too likely to hit ordinary words and ids. Letters are
compared without case (ASCII only: the keys are ASCII, and folding only ASCII keeps every
position of the text where it was).
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_RUN = 12
REDACTED = "[redacted]"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def scrub(text: str, secrets: Iterable[str], replacement: str = REDACTED) -> str:
    """`text` with every run of `MIN_RUN`+ characters of any of `secrets` (and every whole
    secret, however short) replaced by `replacement`, whatever its letter case."""
    if not text:
        return text
    folded = text.translate(_ASCII_LOWER)
    hidden = bytearray(len(text))
    for secret in secrets:
        if not secret:
            continue
        secret = secret.translate(_ASCII_LOWER)
        size = min(MIN_RUN, len(secret))
        pieces = {secret[i : i + size] for i in range(len(secret) - size + 1)}
        for start in range(len(folded) - size + 1):
            if folded[start : start + size] in pieces:
                hidden[start : start + size] = b"\x01" * size
    if not any(hidden):
        return text
    out, start = [], 0
    while start < len(text):
        if hidden[start]:
            end = start
            while end < len(text) and hidden[end]:
                end += 1
            out.append(replacement)
        else:
            end = start
            while end < len(text) and not hidden[end]:
                end += 1
            out.append(text[start:end])
        start = end
    return "".join(out)
