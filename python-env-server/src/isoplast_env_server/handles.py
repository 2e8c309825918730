"""The table of open handles: the handle-count limit, lookup, closing, and idle reaping.

A handle that is closed (by the client, after its env raised, at shutdown or by the idle reaper)
is remembered for a while, so that a later call gets a NOT_FOUND saying what happened to it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict

from .errors import EnvError, not_found, quoted, resource_exhausted
from .limits import Limits
from .vector import VectorHandle

log = logging.getLogger(__name__)

#: How many closed handle ids keep their closing reason for NOT_FOUND messages.
REMEMBERED_CLOSED = 4096


class HandleTable:
    """Open handles by id. Thread-safe; per-handle operations lock the handle itself."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._lock = threading.Lock()
        self._open: dict[str, VectorHandle] = {}
        self._reserved = 0  # Makes in progress, counted against max_handles
        self._ids = itertools.count(1)
        self._closed: OrderedDict[str, str] = OrderedDict()  # id -> why it was closed

    def __len__(self) -> int:
        return len(self._open)

    def reserve(self) -> str:
        """A fresh handle id, counted against max_handles until ``add`` or ``release``."""
        with self._lock:
            if len(self._open) + self._reserved >= self.limits.max_handles:
                raise resource_exhausted(
                    f"this server already has {len(self._open) + self._reserved} open handles, its limit "
                    f"(--max-handles {self.limits.max_handles}); Close handles you no longer use")
            self._reserved += 1
            return f"h{next(self._ids)}"

    def release(self) -> None:
        """Give back a reservation whose Make failed."""
        with self._lock:
            self._reserved -= 1

    def add(self, handle: VectorHandle) -> None:
        with self._lock:
            self._reserved -= 1
            self._open[handle.id] = handle

    def get(self, handle_id: str) -> VectorHandle:
        """The open handle (its idle clock restarted), or NOT_FOUND saying why not."""
        handle = self._open.get(handle_id)
        if handle is None:
            raise self._missing(handle_id)
        handle.last_used = time.monotonic()
        return handle

    def _missing(self, handle_id: str):
        reason = self._closed.get(handle_id)
        if reason is not None:
            return not_found(f"handle {handle_id} was {reason}")
        return not_found(f"unknown handle {quoted(handle_id)}; handles are the ids Make returns")

    def close(self, handle_id: str, reason: str) -> VectorHandle:
        """Remove the handle and close its envs (waiting for a call in progress); NOT_FOUND if absent."""
        with self._lock:
            handle = self._open.pop(handle_id, None)
            if handle is not None:
                self._remember(handle_id, reason)
        if handle is None:
            raise self._missing(handle_id)
        with handle.lock:
            handle.close(reason)
        log.info("handle %s (%s x%d) %s", handle_id, handle.entry.env_id, handle.num_envs, reason)
        return handle

    def discard(self, handle_id: str, reason: str) -> bool:
        """Close the handle if it is open (True); no error otherwise (False)."""
        try:
            self.close(handle_id, reason)
            return True
        except EnvError:
            return False

    def reap_idle(self, timeout_s: float) -> list[str]:
        """Close handles with no call for more than ``timeout_s``; skips handles in use."""
        now = time.monotonic()
        reason = f"reaped for idleness: no call for {timeout_s:g} s (the server's --idle-timeout)"
        reaped: list[VectorHandle] = []
        with self._lock:
            for handle in list(self._open.values()):
                if now - handle.last_used > timeout_s and handle.lock.acquire(blocking=False):
                    del self._open[handle.id]
                    self._remember(handle.id, reason)
                    reaped.append(handle)
        for handle in reaped:
            try:
                handle.close(reason)
            finally:
                handle.lock.release()
            log.info("handle %s (%s x%d) %s", handle.id, handle.entry.env_id, handle.num_envs, reason)
        return [handle.id for handle in reaped]

    def close_all(self, reason: str) -> None:
        for handle_id in list(self._open):
            self.discard(handle_id, reason)

    def _remember(self, handle_id: str, reason: str) -> None:
        self._closed[handle_id] = reason
        while len(self._closed) > REMEMBERED_CLOSED:
            self._closed.popitem(last=False)


class IdleReaper:
    """Background thread that calls ``table.reap_idle`` a few times per timeout period."""

    def __init__(self, table: HandleTable, timeout_s: float):
        self._table = table
        self._timeout_s = timeout_s
        self._interval_s = min(max(timeout_s / 4, 0.01), 30.0)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="isoplast-idle-reaper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            try:
                self._table.reap_idle(self._timeout_s)
            except Exception:  # keep reaping whatever one close did
                log.exception("idle reaper failed")
