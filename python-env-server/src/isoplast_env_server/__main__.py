"""Command line: ``python -m isoplast_env_server [flags]``.

Contract with the Java launcher: the first line on stdout is the bound port number alone
(e.g. ``43125``), flushed at once; everything else goes to stderr through ``logging``.
SIGTERM / SIGINT stop the server with a grace period and exit 0 (with --exit-on-stdin-close, closing
standard input does, and the signals are left to the parent). Refusing to start (e.g. a
non-loopback host without --token) exits 2.
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from .auth import Tls
from .limits import MIB, Limits
from .server import InsecureBindError, create_server
from .state import KEY_ENV, load_key

GRACE_S = 5.0  # how long in-flight calls may finish after SIGTERM

log = logging.getLogger("isoplast_env_server")


def build_parser() -> argparse.ArgumentParser:
    defaults = Limits()
    parser = argparse.ArgumentParser(
        prog="python -m isoplast_env_server",
        description="Serve allow-listed Gymnasium environments over gRPC (protocol isoplast.env.v1). "
                    "Prints the bound port alone on the first stdout line, then logs to stderr.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1). Anything but loopback requires --token")
    parser.add_argument("--port", type=int, default=0,
                        help="port to listen on; 0 (default) picks a free one, printed on stdout")
    parser.add_argument("--token", default=None,
                        help="require the metadata 'authorization: Bearer TOKEN' on every EnvService call "
                             "(health checks stay open); mandatory when --host is not loopback")
    parser.add_argument("--token-file", type=Path, default=None, metavar="FILE",
                        help="read the token from FILE (one line; e.g. a Docker or Kubernetes secret), so that it "
                             "never appears on a command line")
    parser.add_argument("--max-handles", type=int, default=defaults.max_handles,
                        help=f"most handles open at once across all clients (default {defaults.max_handles}); "
                             f"Make beyond it gets RESOURCE_EXHAUSTED")
    parser.add_argument("--max-envs-per-handle", type=int, default=defaults.max_envs_per_handle,
                        help=f"largest num_envs one Make may ask for (default {defaults.max_envs_per_handle})")
    parser.add_argument("--max-message-mb", type=float, default=defaults.max_message_bytes / MIB,
                        help=f"largest gRPC message sent or received, in MiB (default {defaults.max_message_bytes // MIB}); "
                             f"Make refuses handles whose Step responses could exceed it")
    parser.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout_s, metavar="SECONDS",
                        help=f"close handles that received no call for this long (default {defaults.idle_timeout_s:g}); "
                             f"0 disables reaping. Later calls on them get NOT_FOUND")
    parser.add_argument("--tls-cert", type=Path, default=None, metavar="FILE",
                        help="PEM certificate chain: serve TLS instead of plaintext (needs --tls-key)")
    parser.add_argument("--tls-key", type=Path, default=None, metavar="FILE", help="PEM private key for --tls-cert")
    parser.add_argument("--no-data-path", action="store_true",
                        help="serve Step over gRPC only: no local data path (by default a Unix-domain socket, "
                             "named to clients by OpenDataPath, lets a client on this machine step without gRPC)")
    parser.add_argument("--state-key-file", type=Path, default=None, metavar="FILE",
                        help=f"the key (hex, at least 32 bytes, e.g. from 'openssl rand -hex 32') that signs GetState's "
                             f"env states and that SetState requires, so that only states made by a server with this "
                             f"key are ever unpickled; wins over the environment variable {KEY_ENV}, which holds the "
                             f"same hex. With neither, the key is random per process: a state then loads only into "
                             f"the server process that saved it")
    parser.add_argument("--exit-on-stdin-close", action="store_true",
                        help="shut down when standard input reaches end of file: a parent process keeps a pipe "
                             "open, so the server cannot outlive it even if the parent is killed; SIGINT and "
                             "SIGTERM (a terminal's Ctrl-C, `timeout`, a service stop: sent to the whole process "
                             "group) are then left to the parent, which closes the pipe when it is done")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="stderr log level (default INFO)")
    return parser


def read_token_file(path: Path) -> str:
    """The token in ``path``: its one line, without surrounding whitespace (a trailing newline is usual)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read --token-file {path}: {exc.strerror or exc}") from exc
    if not token or "\n" in token:
        raise ValueError(f"--token-file {path} must hold the token on one line")
    return token


def config_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """A bad setting found after parsing: one line naming it, exit 2 (argparse's own errors add the usage)."""
    parser.exit(2, f"{parser.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if (args.tls_cert is None) != (args.tls_key is None):
        config_error(parser, "--tls-cert and --tls-key must be given together")
    if args.token is not None and args.token_file is not None:
        config_error(parser, "give --token or --token-file, not both")
    if args.token_file is not None:
        try:
            args.token = read_token_file(args.token_file)
        except ValueError as exc:
            config_error(parser, str(exc))
    if args.token == "":
        config_error(parser, "--token must not be empty")
    try:
        limits = Limits(max_handles=args.max_handles, max_envs_per_handle=args.max_envs_per_handle,
                        max_message_bytes=int(args.max_message_mb * MIB), idle_timeout_s=args.idle_timeout)
    except ValueError as exc:
        config_error(parser, str(exc))
    try:
        state_key = load_key(args.state_key_file)
    except ValueError as exc:
        config_error(parser, str(exc))
    tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    try:
        server, port = create_server(f"{host}:{args.port}", limits=limits, token=args.token, tls=tls,
                                     data_path=not args.no_data_path, state_key=state_key)
    except InsecureBindError as exc:
        config_error(parser, str(exc))
    except OSError as exc:
        print(f"isoplast_env_server: {exc}", file=sys.stderr)
        return 1

    # Start-up objects (Gymnasium, grpc, numpy) live as long as the process: keep them out of the
    # garbage collector's passes, which otherwise rescan them while Steps run.
    gc.freeze()

    stop = threading.Event()

    def on_signal(signum, frame):
        log.info("received %s, shutting down (grace %g s)", signal.Signals(signum).name, GRACE_S)
        stop.set()

    if args.exit_on_stdin_close:
        # a child of a trainer: Ctrl-C in a terminal, `timeout`, a container or service stop signal the
        # whole process group, and acting on that is the parent's (it writes a checkpoint at its next
        # safe point, which needs this server, then closes the pipe); the server ends when the pipe
        # closes, or by SIGKILL
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    # the port only once the signals are set: a parent's Ctrl-C right after start-up is then ignored
    # (or handled) as at any later time, not the default action that killed the server
    print(port, flush=True)  # the launcher reads exactly this line
    if args.exit_on_stdin_close:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            log.info("standard input closed (the parent exited), shutting down")
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    while not stop.wait(1.0):  # wake periodically so signals are handled promptly
        pass
    server.stop(GRACE_S).wait()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
