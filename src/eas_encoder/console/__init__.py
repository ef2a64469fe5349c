"""The operator console (issue 13): a web page over the station's configuration and log.

- :func:`create_app` (:mod:`.app`): the Starlette app, clock injected.
- :class:`UserStore` (:mod:`.auth`): users (argon2 hashes), sessions, login rate limit in the
  console's own SQLite file.
- :mod:`.server`: the listen-address rule and serving with uvicorn on the caller's loop.

Needs the ``console`` extra (``pip install 'eas-encoder[console]'``).
"""

from .app import create_app
from .auth import ConsoleError, UserStore

__all__ = ["create_app", "UserStore", "ConsoleError"]
