"""Env state blobs for checkpoints (GetState / SetState), sealed so that SetState never unpickles
bytes that no server holding this server's key made.

A handle's state is a pickle (``VectorHandle.snapshot``): pickling the Gymnasium wrapper stacks
whole is the one general way to catch everything the next steps depend on (TimeLimit's counter,
the order enforcer, RNGs of envs and spaces, physics). Unpickling runs code, so a blob is

    version (1 byte) | zlib(pickle) | HMAC-SHA256(key, version | zlib(pickle))

and :meth:`StateSeal.open` compares the HMAC (``hmac.compare_digest``) before it decompresses or
unpickles anything. The pickle is compressed because a MuJoCo env's MjData carries its whole
arena (0.7 MB for Hopper, mostly zeros): a compressed MuJoCo env is ~60 kB instead of ~1.2 MB, so
a state of tens of envs fits a message.

The key: ``ISOPLAST_ENV_STATE_KEY`` (hex, at least 32 bytes) or ``--state-key-file`` (a file with
the same hex), else a random key per server process, with which a state loads only into the
process that made it. The Java launcher gives every server it starts the key of one file per
checkout (``.isoplast/env-state.key``, mode 0600), so states survive a restart of the server.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import zlib
from pathlib import Path
from typing import Any

from .errors import invalid_argument

#: The blob format this server writes and reads.
VERSION = 1
KEY_ENV = "ISOPLAST_ENV_STATE_KEY"
MIN_KEY_BYTES = 32
MAC_BYTES = hashlib.sha256().digest_size


def parse_key(text: str, where: str) -> bytes:
    """The key written as hex in ``text`` (surrounding whitespace ignored); ValueError naming
    ``where`` if it is not hex of at least MIN_KEY_BYTES bytes."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"{where} must be a hex string (e.g. from 'openssl rand -hex 32'), "
                         f"got {len(text.strip())} characters that are not hex") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"{where} must hold at least {MIN_KEY_BYTES} bytes ({2 * MIN_KEY_BYTES} hex digits), "
                         f"got {len(key)}")
    return key


def load_key(key_file: Path | None, environ=os.environ) -> bytes | None:
    """The state key from ``key_file`` if given, else from ``ISOPLAST_ENV_STATE_KEY``, else None
    (the server then draws a random one). ValueError with a one-line reason if it is unusable."""
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read --state-key-file {key_file}: "
                             f"{getattr(exc, 'strerror', None) or exc}") from exc
        return parse_key(text, f"--state-key-file {key_file}")
    text = environ.get(KEY_ENV)
    return parse_key(text, KEY_ENV) if text else None


class StateSeal:
    """Seals payloads into blobs and opens them again, with one HMAC key."""

    def __init__(self, key: bytes | None = None):
        self.random_key = key is None
        self._key = secrets.token_bytes(MIN_KEY_BYTES) if key is None else key

    def seal(self, payload: Any) -> bytes:
        """The blob of ``payload``; whatever pickling raises propagates (the caller names the env)."""
        body = bytes([VERSION]) + zlib.compress(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL), 1)
        return body + hmac.new(self._key, body, hashlib.sha256).digest()

    def open(self, blob: bytes) -> Any:
        """The payload of a blob this key sealed; INVALID_ARGUMENT for anything else. The HMAC is
        checked before a byte of the pickle is decompressed or unpickled."""
        if len(blob) <= 1 + MAC_BYTES:
            raise invalid_argument(f"the state is {len(blob)} bytes, too short to be one from GetState "
                                   f"(a version byte, the pickle and a {MAC_BYTES}-byte HMAC)")
        body, mac = blob[:-MAC_BYTES], blob[-MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(self._key, body, hashlib.sha256).digest()):
            origin = ("this server process (it has no ISOPLAST_ENV_STATE_KEY or --state-key-file, so its key "
                      "is random)" if self.random_key else "a server with this server's state key")
            raise invalid_argument(f"the state's HMAC does not match: it was not made by GetState of {origin}, "
                                   f"or it was altered or cut")
        if body[0] != VERSION:
            raise invalid_argument(f"the state has format version {body[0]}; this server reads version {VERSION}")
        try:
            return pickle.loads(zlib.decompress(body[1:]))
        except Exception as exc:  # e.g. a MuJoCo state on a server without the mujoco extra
            raise invalid_argument(f"the state cannot be loaded on this server: {type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
