"""Who may talk to the server: loopback by default, otherwise a bearer token (and optional TLS).

The server binds 127.0.0.1 unless told otherwise; listening on any other address requires a
token. With a token, every EnvService call must carry the metadata
``authorization: Bearer <token>`` (compared in constant time); the health service stays open so
that probes work.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

ENV_SERVICE_PREFIX = "/isoplast.env.v1.EnvService/"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback IP addresses (127.0.0.0/8, ::1), with or without [ ]."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost, or "" / "*" (all interfaces)


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` for IPv6) -> (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address must be host:port, got {address!r}")
    return host, int(port)


@dataclass(frozen=True)
class Tls:
    """PEM files of the server's certificate chain and private key."""

    cert_file: Path
    key_file: Path

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials([(Path(self.key_file).read_bytes(), Path(self.cert_file).read_bytes())])


def _deny(message: str) -> grpc.RpcMethodHandler:
    def abort(request, context):
        context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    return grpc.unary_unary_rpc_method_handler(abort)


class TokenInterceptor(grpc.ServerInterceptor):
    """Refuses EnvService calls without ``authorization: Bearer <token>`` (UNAUTHENTICATED)."""

    def __init__(self, token: str):
        if not token:
            raise ValueError("the token must not be empty")
        self._expected = f"Bearer {token}".encode()
        self._missing = _deny("this server requires the metadata 'authorization: Bearer <token>'; none was sent")
        self._wrong = _deny("the token in the 'authorization' metadata is wrong (expected 'Bearer <token>' "
                            "with the server's --token)")

    def intercept_service(self, continuation, handler_call_details):
        if not handler_call_details.method.startswith(ENV_SERVICE_PREFIX):
            return continuation(handler_call_details)  # health checks stay unauthenticated
        for key, value in handler_call_details.invocation_metadata or ():
            if key == "authorization":
                given = value.encode() if isinstance(value, str) else bytes(value)
                if hmac.compare_digest(given, self._expected):
                    return continuation(handler_call_details)
                return self._wrong
        return self._missing
