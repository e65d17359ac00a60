"""What the error tests of both API versions check of every error the client raises
(test_errors.py and test_v2_errors.py): the API key is in none of them, and each survives
pickling, as Celery carries exceptions between processes."""

from __future__ import annotations

import pickle
from collections.abc import Iterable

from panel.vultr import VultrClient, VultrError


def assert_key_kept_out(key: str, errors: Iterable[BaseException], client: VultrClient) -> None:
    """The key is in no error's text, repr, arguments or attributes, no error carries the
    exception that caused it (whose text could hold the key), and neither the client's repr nor
    its transport's shows the key."""
    for err in errors:
        assert key not in str(err)
        assert key not in repr(err)
        assert key not in repr(err.args)
        assert key not in repr(err.__dict__)
        assert err.__cause__ is None
    assert key not in repr(client)
    assert key not in repr(client._transport)


def assert_pickle_round_trips(errors: Iterable[VultrError]) -> None:
    """Each error comes back from pickling as the same class with the same repr."""
    for err in errors:
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err)
        assert repr(copy) == repr(err)
