"""Vultr provider library: a typed client for the Vultr API (v1 and v2), free of Django.

Import everything from here; the submodules are an implementation detail. `VultrClient` is the
entry point, its methods return the domain objects (`domain.__all__`) and raise `VultrError`
subclasses (`errors.__all__`).
`VultrClient(key, api_version="v2")` speaks API v2 (`V2Transport`); the default is v1.
"""

# The domain objects and the errors are re-exported as their modules list them (`__all__`),
# the way asyncio's package gathers its submodules, so a new class is public in one place.
from . import domain, errors
from .client import VultrClient
from .domain import *  # noqa: F403
from .errors import *  # noqa: F403
from .transports.http import RawResponse
from .transports.v1 import V1Transport
from .transports.v2 import V2Transport

__all__ = ["RawResponse", "V1Transport", "V2Transport", "VultrClient"]
__all__ += domain.__all__
__all__ += errors.__all__
