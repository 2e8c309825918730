"""The command-line contracts the Java launcher relies on, the in-process benchmark, gen_proto."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from isoplast.env.v1 import env_pb2 as pb
from isoplast.env.v1 import env_pb2_grpc as pb_grpc
from isoplast_env_server import bench_inprocess

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def run_module(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isoplast_env_server", *args], capture_output=True,
                          text=True, timeout=60, **kwargs)


def test_first_stdout_line_is_the_port_and_sigterm_exits_cleanly():
    process = subprocess.Popen([sys.executable, "-m", "isoplast_env_server", "--port", "0", "--log-level", "INFO"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        assert first_line.strip().isdigit() and first_line == f"{int(first_line)}\n"
        port = int(first_line)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
            envs = pb_grpc.EnvServiceStub(channel).ListEnvs(pb.ListEnvsRequest()).envs
            assert "CartPole-v1" in [info.env_id for info in envs]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stdout.read() == ""  # nothing but the port on stdout
        assert "SIGTERM" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_non_loopback_host_without_token_is_refused_with_exit_code_2():
    result = run_module("--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--token" in result.stderr and "0.0.0.0" in result.stderr


def test_help_explains_every_flag():
    result = run_module("--help")
    assert result.returncode == 0
    for flag in ("--host", "--port", "--token", "--token-file", "--max-handles", "--max-envs-per-handle", "--max-message-mb",
                 "--idle-timeout", "--tls-cert", "--tls-key", "--state-key-file", "--log-level"):
        assert flag in result.stdout
    assert "ISOPLAST_ENV_STATE_KEY" in result.stdout and "only into the server process that saved it" in " ".join(
        result.stdout.split())


def test_tls_flags_must_come_together():
    result = run_module("--tls-cert", "cert.pem")
    assert result.returncode == 2 and "--tls-key" in result.stderr


def test_bench_inprocess_prints_one_json_line(capsys):
    assert bench_inprocess.main(["--env", "CartPole-v1", "--num-envs", "4", "--steps", "400", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["env"] == "CartPole-v1" and result["num_envs"] == 4 and result["steps"] == 400
    assert result["steps_per_s"] > 0


def test_gen_proto_is_idempotent():
    outputs = sorted((PACKAGE_ROOT / "src" / "isoplast" / "env" / "v1").glob("env_pb2*"))
    assert [p.name for p in outputs] == ["env_pb2.py", "env_pb2.pyi", "env_pb2_grpc.py"]
    before = {p: p.stat().st_mtime_ns for p in outputs}
    result = subprocess.run([sys.executable, str(PACKAGE_ROOT / "gen_proto.py")], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0 and "up to date" in result.stderr
    assert {p: p.stat().st_mtime_ns for p in outputs} == before


def test_exit_on_stdin_close_stops_the_server_when_its_parent_goes():
    process = subprocess.Popen([sys.executable, "-m", "isoplast_env_server", "--port", "0", "--exit-on-stdin-close"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip().isdigit()
        assert process.poll() is None  # serving while the pipe is open
        # a terminal's Ctrl-C reaches the whole process group: the parent trainer acts on it (a
        # checkpoint needs this server), so the child keeps serving until its pipe closes
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGTERM)  # `timeout`, a service stop: the group's signals too
        time.sleep(1.5)
        assert process.poll() is None, "SIGINT and SIGTERM are the parent's to act on"
        process.stdin.close()  # what a killed parent's end of the pipe does
        assert process.wait(timeout=20) == 0
        assert "standard input closed" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def healthcheck(port: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isoplast_env_server.healthcheck", "--port", str(port),
                           "--timeout", "5"], capture_output=True, text=True, timeout=60)


def test_token_file_serves_beyond_loopback_and_the_health_check_follows_the_server(tmp_path):
    """What the env-server container runs: all interfaces, the token from a mounted secret file,
    the health check through the gRPC health service (open without the token)."""
    secret = tmp_path / "env_token"
    secret.write_text("s3cret-from-a-file\n")
    process = subprocess.Popen([sys.executable, "-m", "isoplast_env_server", "--host", "0.0.0.0", "--port", "0",
                                "--token-file", str(secret)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        ok = healthcheck(port)
        assert ok.returncode == 0, ok.stderr
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.EnvServiceStub(channel)
            try:
                stub.ListEnvs(pb.ListEnvsRequest(), timeout=10)
                raise AssertionError("ListEnvs without the token must be refused")
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
            envs = stub.ListEnvs(pb.ListEnvsRequest(), timeout=10,
                                 metadata=[("authorization", "Bearer s3cret-from-a-file")]).envs
            assert "CartPole-v1" in [info.env_id for info in envs]
        assert "s3cret" not in " ".join(process.args), "the token is never on the command line"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        down = healthcheck(port)
        assert down.returncode == 1
        assert down.stderr.startswith(f"isoplast env server 127.0.0.1:{port} is not serving (UNAVAILABLE")
        assert len(down.stderr.strip().splitlines()) == 1
    finally:
        if process.poll() is None:
            process.kill()


def test_token_file_errors_are_one_line_with_exit_code_2(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    two = tmp_path / "two"
    two.write_text("a\nb\n")
    cases = [
        (["--token-file", str(tmp_path / "missing")], "cannot read --token-file"),
        (["--token-file", str(empty)], "must hold the token on one line"),
        (["--token-file", str(two)], "must hold the token on one line"),
        (["--token", "t", "--token-file", str(two)], "give --token or --token-file, not both"),
    ]
    for args, message in cases:
        result = run_module("--port", "0", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # no usage block
        assert result.stdout == ""
