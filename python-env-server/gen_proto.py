"""Generate the Python gRPC stubs of isoplast.env.v1 from proto/ (the one source of the protocol).

Run with the venv's interpreter before `pip install -e python-env-server`:

    .venv/bin/python python-env-server/gen_proto.py [--force]

Writes src/isoplast/env/v1/env_pb2.py, env_pb2_grpc.py and env_pb2.pyi (git-ignored; never
edited by hand). Idempotent: does nothing when every output is newer than the .proto file and
this script. Uses only the standard library and grpc_tools, so it runs before the package is
installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROTO_ROOT = REPO / "proto" / "src" / "main" / "proto"
PROTO_FILE = "isoplast/env/v1/env.proto"
OUT_ROOT = HERE / "src"
OUTPUTS = [OUT_ROOT / "isoplast" / "env" / "v1" / name
           for name in ("env_pb2.py", "env_pb2_grpc.py", "env_pb2.pyi")]


def up_to_date() -> bool:
    """True when every generated file is newer than both its inputs (the .proto and this script)."""
    newest_input = max((PROTO_ROOT / PROTO_FILE).stat().st_mtime, Path(__file__).stat().st_mtime)
    return all(out.exists() and out.stat().st_mtime > newest_input for out in OUTPUTS)


def generate() -> None:
    # Imported here so that `--help` and the up-to-date check work without grpc_tools.
    from grpc_tools import protoc
    import grpc_tools

    well_known = Path(grpc_tools.__file__).resolve().parent / "_proto"
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={OUT_ROOT}",
        f"--grpc_python_out={OUT_ROOT}",
        f"--pyi_out={OUT_ROOT}",
        PROTO_FILE,
    ]
    code = protoc.main(args)
    if code != 0:
        raise SystemExit(f"gen_proto: protoc failed with exit code {code} on {PROTO_ROOT / PROTO_FILE}")
    missing = [str(out) for out in OUTPUTS if not out.exists()]
    if missing:
        raise SystemExit(f"gen_proto: protoc succeeded but did not write {', '.join(missing)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="regenerate even when up to date")
    args = parser.parse_args(argv)
    proto = PROTO_ROOT / PROTO_FILE
    if not proto.exists():
        print(f"gen_proto: {proto} not found", file=sys.stderr)
        return 1
    if not args.force and up_to_date():
        print(f"gen_proto: stubs up to date in {OUTPUTS[0].parent}", file=sys.stderr)
        return 0
    generate()
    print(f"gen_proto: generated {', '.join(out.name for out in OUTPUTS)} in {OUTPUTS[0].parent}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
