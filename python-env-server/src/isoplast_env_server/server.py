"""Assembly of the gRPC server: EnvService + health + auth + limits + idle reaper, on one port,
and the local data path (a Unix-domain socket for Step) beside it.

``create_server`` returns the server already **started**, with the port it bound (useful with
port 0). Stop it with ``server.stop(grace)``: health turns NOT_SERVING first, then calls drain,
then every open handle is closed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from isoplast.env.v1 import env_pb2 as pb

from .auth import TokenInterceptor, Tls, is_loopback, split_address
from .datapath import DataPath
from .errors import parser
from .handles import HandleTable, IdleReaper
from .limits import Limits
from .registry import Registry, default_registry
from .service import EnvServicer
from .state import StateSeal

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["EnvService"].full_name  # "isoplast.env.v1.EnvService"


class InsecureBindError(ValueError):
    """Listening beyond loopback without a token was requested."""


def default_workers() -> int:
    """Threads serving calls. Stepping holds the GIL, so more threads than this buy nothing; a few
    extra keep short calls (ListEnvs, health) flowing while long Steps run on other handles."""
    return min(32, 4 + 2 * (os.cpu_count() or 1))


class EnvServer(grpc.Server):
    """A grpc.Server that also owns the handles, the health status and the idle reaper."""

    def __init__(self, server: grpc.Server, handles: HandleTable, health_servicer: health.HealthServicer,
                 reaper: IdleReaper | None, data_path: DataPath | None = None):
        self._server = server
        self.handles = handles
        self.health = health_servicer  # a grpc_health HealthServicer; NOT_SERVING once stop() began
        self._reaper = reaper
        self.data_path = data_path  # the local data path, or None

    def add_generic_rpc_handlers(self, generic_rpc_handlers):
        self._server.add_generic_rpc_handlers(generic_rpc_handlers)

    def add_registered_method_handlers(self, service_name, method_handlers):
        self._server.add_registered_method_handlers(service_name, method_handlers)

    def add_insecure_port(self, address):
        return self._server.add_insecure_port(address)

    def add_secure_port(self, address, server_credentials):
        return self._server.add_secure_port(address, server_credentials)

    def start(self):
        self._server.start()
        if self.data_path is not None:
            self.data_path.start()
        if self._reaper is not None:
            self._reaper.start()

    def stop(self, grace):
        """Health -> NOT_SERVING, stop the reaper and the data path, drain calls for ``grace`` s,
        close all handles. Returns an event set when all of that is done."""
        self.health.enter_graceful_shutdown()
        if self._reaper is not None:
            self._reaper.stop()
        if self.data_path is not None:
            self.data_path.stop()
        stopped = self._server.stop(grace)
        done = threading.Event()

        def close_handles():
            stopped.wait()
            self.handles.close_all("closed because the server shut down")
            done.set()

        threading.Thread(target=close_handles, name="isoplast-shutdown", daemon=True).start()
        return done

    def wait_for_termination(self, timeout=None):
        return self._server.wait_for_termination(timeout)


def add_env_service(servicer: EnvServicer, server: grpc.Server) -> None:
    """Register ``servicer``'s methods, as the generated ``add_EnvServiceServicer_to_server`` does,
    except that requests are deserialized by :func:`errors.parser`: bytes that are no valid message
    reach the handler as a MalformedRequest (INVALID_ARGUMENT) instead of failing inside gRPC."""
    service = pb.DESCRIPTOR.services_by_name["EnvService"]
    handlers = {}
    for method in service.methods:
        kind = ("stream" if method.client_streaming else "unary") + "_" + ("stream" if method.server_streaming else "unary")
        make_handler = getattr(grpc, f"{kind}_rpc_method_handler")
        handlers[method.name] = make_handler(
            getattr(servicer, method.name), request_deserializer=parser(getattr(pb, method.input_type.name)),
            response_serializer=getattr(pb, method.output_type.name).SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
    server.add_registered_method_handlers(service.full_name, handlers)


def create_server(address: str = "127.0.0.1:0", *, registry: Registry | None = None,
                  limits: Limits | None = None, token: str | None = None, tls: Tls | None = None,
                  max_workers: int | None = None, data_path: bool = True,
                  state_key: bytes | None = None) -> tuple[EnvServer, int]:
    """Build, bind and start the server; returns it with the bound port.

    ``address`` is ``host:port`` (port 0 picks a free one). A non-loopback host requires
    ``token`` (InsecureBindError otherwise). ``registry`` defaults to :func:`default_registry`;
    tests pass their own to add envs. ``tls`` switches the port to TLS. ``data_path`` runs the
    local data path (a Unix-domain socket for Step, see datapath.py) beside the gRPC port; where
    that socket cannot be made the server logs why and serves gRPC alone. ``state_key`` signs the
    GetState blobs and is required of SetState's (state.py); None draws a random key, so that
    states load only into this server.
    """
    host, _ = split_address(address)
    if not is_loopback(host) and not token:
        raise InsecureBindError(
            f"refusing to listen on {host or 'all interfaces'} without a token: any host that can reach "
            f"it could run environments here; pass --token (clients then send 'authorization: Bearer <token>') "
            f"or bind 127.0.0.1")
    registry = registry if registry is not None else default_registry()
    limits = limits if limits is not None else Limits()
    options = [
        ("grpc.max_send_message_length", limits.max_message_bytes),
        ("grpc.max_receive_message_length", limits.max_message_bytes),
        ("grpc.so_reuseport", 0),  # a second server on the same port must fail, not share it
    ]
    interceptors = [TokenInterceptor(token)] if token else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers or default_workers(),
                                                    thread_name_prefix="isoplast-rpc"),
                         options=options, interceptors=interceptors)
    handles = HandleTable(limits)
    servicer = EnvServicer(registry, handles, StateSeal(state_key))
    add_env_service(servicer, server)
    health_servicer = health.HealthServicer()
    for service in ("", SERVICE_NAME):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    try:
        port = server.add_secure_port(address, tls.credentials()) if tls else server.add_insecure_port(address)
    except RuntimeError as exc:  # grpc raises when the address cannot be bound
        raise OSError(f"cannot listen on {address}: {exc}") from exc
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    reaper = IdleReaper(handles, limits.idle_timeout_s) if limits.idle_timeout_s > 0 else None
    local = None
    if data_path and hasattr(socket, "AF_UNIX"):
        try:
            local = DataPath(servicer.step_into, servicer, limits.max_message_bytes, limits.max_handles)
        except OSError as exc:
            log.warning("no local data path (clients step over gRPC): %s", exc)
    servicer.data_path = local
    env_server = EnvServer(server, handles, health_servicer, reaper, local)
    env_server.start()
    log.info("isoplast env server on %s (port %d, %d env ids, %s, %s, %s, %s, %s)", address, port, len(registry),
             "token required" if token else "no token", "TLS" if tls else "plaintext",
             f"local data path {local.path}" if local else "no local data path",
             f"idle handles closed after {limits.idle_timeout_s:g} s" if reaper else "no idle reaping",
             "env states signed with a random key (SetState takes only this process's states)" if state_key is None
             else "env states signed with the given state key")
    return env_server, port
