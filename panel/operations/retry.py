"""Capped, jittered exponential backoff (STYLE item 8), for the runner's steps and for alert
deliveries: half the step is fixed, half random, so that retries of many operations spread."""

from __future__ import annotations

import random


def backoff(attempt: int, base: float, cap: float) -> float:
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return step / 2 + random.uniform(0, step / 2)
