"""Bind policy and TLS: loopback by default, a token for anything else, TLS when asked."""

from __future__ import annotations

import shutil
import subprocess

import grpc
import pytest
from conftest import Client, rpc_error, running_server

from isoplast_env_server import InsecureBindError, create_server
from isoplast_env_server.auth import Tls, is_loopback


def test_loopback_detection():
    for host in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"):
        assert is_loopback(host)
    for host in ("0.0.0.0", "", "[::]", "192.168.1.10", "example.org"):
        assert not is_loopback(host)


def test_non_loopback_address_requires_a_token():
    with pytest.raises(InsecureBindError, match="--token"):
        create_server("0.0.0.0:0")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_with_token(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    with running_server(token="t0ken", tls=Tls(cert, key)) as (_, port):
        credentials = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
            Client(channel, metadata=[("authorization", "Bearer t0ken")]).assert_serving()
            assert rpc_error(lambda: Client(channel).make("CartPole-v1")).code().name == "UNAUTHENTICATED"
        with grpc.insecure_channel(f"localhost:{port}") as plaintext:  # TLS is not optional on that port
            assert rpc_error(lambda: Client(plaintext).make("CartPole-v1")).code().name == "UNAVAILABLE"
