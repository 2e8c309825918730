"""The server's resource limits, so that no client can exhaust it (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Exceeding a count limit gives RESOURCE_EXHAUSTED; idle handles are closed by a reaper."""

    max_handles: int = 64  # open handles across all clients
    max_envs_per_handle: int = 1024  # num_envs of one Make
    max_message_bytes: int = 64 * MIB  # gRPC send and receive limit
    idle_timeout_s: float = 600.0  # a handle unused this long is closed; <= 0 disables reaping

    def __post_init__(self):
        for name in ("max_handles", "max_envs_per_handle", "max_message_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
