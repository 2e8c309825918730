"""The one place where failures become gRPC status codes.

Code below raises :class:`EnvError` (a status code and a human message saying what was expected
and what was got); every EnvService handler is wrapped in :func:`rpc`, which turns it into
``context.abort(code, message)``. An exception from an environment itself (any other exception,
or :class:`EnvCrashed`) becomes INTERNAL and closes the handle it happened in, so one broken env
never takes the server down (DESIGN.md §2).

Two failures happen before a handler runs, and are brought here too:

- Request bytes that are not a valid message. gRPC would answer a failing deserializer with
  INTERNAL ("Exception deserializing request!"), which clients read as "the env crashed", and
  inside a StepStream it then never finishes the call, so the server can no longer stop. Requests
  are therefore deserialized by :func:`parser`, which never fails; :func:`rpc` answers a
  :class:`MalformedRequest` with INVALID_ARGUMENT.
- Requests above the max message size: gRPC itself answers RESOURCE_EXHAUSTED.

The local data path (``datapath.py``) has no gRPC context: it asks :func:`answer` for the same
status as a ``(code, message)`` pair and sends it in a reply frame.

Messages quote what the client sent through :func:`quoted` and :func:`listed`, which cut it short:
the message travels in a gRPC trailer, and clients refuse trailers above 8 KiB (randomly) and
16 KiB (always) with RESOURCE_EXHAUSTED "metadata size exceeds limit", losing the real status.
:func:`_abort` caps every message as a last resort.
"""

from __future__ import annotations

import functools
import logging
from typing import Callable, Protocol

import grpc

log = logging.getLogger(__name__)


class EnvError(Exception):
    """A request the server refuses: a gRPC status code and a message for a human."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class EnvCrashed(EnvError):
    """An environment raised while serving handle ``handle_id``; that handle must be closed."""

    def __init__(self, handle_id: str, message: str):
        super().__init__(grpc.StatusCode.INTERNAL, message)
        self.handle_id = handle_id


def invalid_argument(message: str) -> EnvError:
    return EnvError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message: str) -> EnvError:
    return EnvError(grpc.StatusCode.NOT_FOUND, message)


def failed_precondition(message: str) -> EnvError:
    return EnvError(grpc.StatusCode.FAILED_PRECONDITION, message)


def resource_exhausted(message: str) -> EnvError:
    return EnvError(grpc.StatusCode.RESOURCE_EXHAUSTED, message)


def unauthenticated(message: str) -> EnvError:
    return EnvError(grpc.StatusCode.UNAUTHENTICATED, message)


def internal(message: str) -> EnvError:
    """INTERNAL that closes no handle (e.g. a constructor raised inside Make)."""
    return EnvError(grpc.StatusCode.INTERNAL, message)


class ClosesCrashedHandles(Protocol):
    """What :func:`rpc` needs from the servicer: a way to close a handle whose env raised."""

    def close_crashed(self, handle_id: str, reason: str) -> bool:
        """Close the handle if it is open; True if it was."""


def describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- messages of a bounded size ---------------------------------------------------------------

#: Most characters of one client-supplied string, and most entries of one list, quoted in a message.
QUOTED_CHARS, LISTED_ENTRIES = 100, 16
#: Most bytes of a status message once percent-encoded for its trailer (half the clients' 8 KiB).
MAX_DETAILS_BYTES = 4096


def quoted(value) -> str:
    """``repr(value)``, with a long string cut to its start and its length."""
    if isinstance(value, str) and len(value) > QUOTED_CHARS:
        return f"{value[:QUOTED_CHARS]!r}... ({len(value)} characters)"
    return repr(value)


def listed(values) -> str:
    """A list as ``[a, b, c]``, with a long one cut to its first entries and its length."""
    if len(values) <= LISTED_ENTRIES:
        return str(list(values))
    head = ", ".join(repr(value) for value in values[:LISTED_ENTRIES])
    return f"[{head}, ... ({len(values)} entries)]"


def _encoded_size(char: str) -> int:
    """Bytes of ``char`` in a grpc-message trailer: printable ASCII but '%' as is, else %XX per byte."""
    return 1 if " " <= char <= "~" and char != "%" else 3 * len(char.encode("utf-8", "replace"))


def capped(message: str) -> str:
    """``message`` cut so that its percent-encoded trailer stays within MAX_DETAILS_BYTES."""
    if len(message) <= MAX_DETAILS_BYTES // 12:  # 4-byte characters at 3 x each: always fits
        return message
    suffix = "... (message cut)"
    size, budget = 0, MAX_DETAILS_BYTES - len(suffix)
    for end, char in enumerate(message):
        size += _encoded_size(char)
        if size > budget:
            return message[:end] + suffix
    return message


# -- requests that are no message -------------------------------------------------------------

class MalformedRequest:
    """Stands for request bytes that are not a valid message of the RPC's request type."""

    handle = ""  # names no handle: nothing is closed because of it

    def __init__(self, type_name: str, error: BaseException):
        self.message = f"the request is not a valid {type_name} message ({describe(error)})"


def parser(message_class) -> Callable[[bytes], object]:
    """The request deserializer of an RPC: the parsed message, or a MalformedRequest (never an
    exception, which gRPC would turn into INTERNAL)."""
    from_string = message_class.FromString
    type_name = message_class.DESCRIPTOR.full_name

    def parse(data: bytes):
        try:
            return from_string(data)
        except Exception as exc:  # DecodeError, or whatever else the parser raises
            return MalformedRequest(type_name, exc)

    return parse


def _well_formed(request):
    if isinstance(request, MalformedRequest):
        raise invalid_argument(request.message)
    return request


def status_of(servicer: ClosesCrashedHandles, exc: BaseException, handle_id: str,
              what: str) -> tuple[grpc.StatusCode, str]:
    """The status ``exc`` stands for (the mapping of this module's docstring), closing the handle
    of a crashed env on the way."""
    if isinstance(exc, EnvCrashed):
        log.error("%s", exc.message, exc_info=exc.__cause__)
        servicer.close_crashed(exc.handle_id, exc.message)
        return exc.code, capped(f"{exc.message}; handle {exc.handle_id} has been closed")
    if isinstance(exc, EnvError):
        return exc.code, capped(exc.message)
    # the env (or a bug) raised: INTERNAL, close the handle
    message = f"{what} failed with {describe(exc)}"
    log.error("%s", message, exc_info=exc)
    if handle_id and servicer.close_crashed(handle_id, message):
        message += f"; handle {handle_id} has been closed"
    return grpc.StatusCode.INTERNAL, capped(message)


def _abort(servicer: ClosesCrashedHandles, exc: BaseException, handle_id: str, what: str,
           context: grpc.ServicerContext):
    """Ends the call with the status ``exc`` stands for."""
    context.abort(*status_of(servicer, exc, handle_id, what))


def answer(servicer: ClosesCrashedHandles, method: Callable, request, what: str):
    """For the local data path (no gRPC context): ``(method(request), None)``, or ``(None, (code,
    message))`` with the status :func:`rpc` would end the call with (a MalformedRequest is
    INVALID_ARGUMENT, a crashed env closes its handle)."""
    try:
        return method(_well_formed(request)), None
    except Exception as exc:
        return None, status_of(servicer, exc, getattr(request, "handle", ""), what)


def rpc(method: Callable) -> Callable:
    """Wrap an EnvService handler ``method(servicer, request, context)``.

    EnvError -> its own code and message. EnvCrashed or any unexpected exception -> INTERNAL;
    the handle named in the error (or in ``request.handle``) is closed first, and the message
    says so. A MalformedRequest -> INVALID_ARGUMENT.
    """

    @functools.wraps(method)
    def handler(servicer: ClosesCrashedHandles, request, context: grpc.ServicerContext):
        try:
            return method(servicer, _well_formed(request), context)
        except Exception as exc:
            _abort(servicer, exc, getattr(request, "handle", ""), method.__name__, context)

    return handler


def rpc_stream(method: Callable) -> Callable:
    """Wrap a request-streaming handler ``method(servicer, request, context)`` that answers one
    request of the stream: each request gets one response; the first failure ends the stream with
    the status :func:`rpc` would give."""

    @functools.wraps(method)
    def handler(servicer: ClosesCrashedHandles, request_iterator, context: grpc.ServicerContext):
        for request in request_iterator:
            try:
                response = method(servicer, _well_formed(request), context)
            except Exception as exc:
                _abort(servicer, exc, getattr(request, "handle", ""), method.__name__, context)
            yield response

    return handler
