"""Container health check: ``python -m isoplast_env_server.healthcheck [--host H] [--port P]``.

Asks the server's standard gRPC health service (``grpc.health.v1``, open without a token) whether
it is SERVING, and exits 0 if so, 1 otherwise (not reachable, NOT_SERVING while shutting down),
with one line on stderr saying why. Docker's HEALTHCHECK and docker compose's ``healthcheck`` run
it; Kubernetes probes the same service natively (``grpc:`` probes).
"""

from __future__ import annotations

import argparse
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(target: str, timeout_s: float) -> tuple[bool, str]:
    """(serving, what the server or the channel said)."""
    with grpc.insecure_channel(target) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""),
                                                                  timeout=timeout_s)
        except grpc.RpcError as exc:
            return False, f"{exc.code().name}: {exc.details()}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    return response.status == health_pb2.HealthCheckResponse.SERVING, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m isoplast_env_server.healthcheck",
                                     description="Exit 0 when the env server's gRPC health service says SERVING.")
    parser.add_argument("--host", default="127.0.0.1", help="server address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=50051, help="server port (default 50051)")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="SECONDS", help="deadline (default 3)")
    args = parser.parse_args(argv)
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    serving, said = check(f"{host}:{args.port}", args.timeout)
    if not serving:
        print(f"isoplast env server {host}:{args.port} is not serving ({said})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
