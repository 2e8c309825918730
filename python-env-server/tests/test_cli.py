"""The command-line contracts the Java launcher relies on, the in-process benchmark, gen_proto."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
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
    for flag in ("--host", "--port", "--token", "--max-handles", "--max-envs-per-handle", "--max-message-mb",
                 "--idle-timeout", "--tls-cert", "--tls-key", "--log-level"):
        assert flag in result.stdout


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
        process.stdin.close()  # what a killed parent's end of the pipe does
        assert process.wait(timeout=20) == 0
        assert "standard input closed" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
