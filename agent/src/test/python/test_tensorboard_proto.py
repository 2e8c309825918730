"""proto/.../isoplast/tensorboard/v1/event.proto is wire-compatible with the tensorboard package's own
Event / Summary / TensorProto definitions, and generating the Python env stubs never produces a
module that could shadow the real `tensorboard` package.

The .proto is compiled here into a temporary descriptor set (grpcio-tools, as gen_proto.py uses),
never into the source tree; every field and enum value it declares must exist in tensorboard's
descriptor with the same number, type and label.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[4]
PROTO_ROOT = ROOT / "proto" / "src" / "main" / "proto"
OURS = "isoplast/tensorboard/v1/event.proto"

# our message -> tensorboard's (package "tensorboard", tensorboard/compat/proto/*.proto)
MESSAGES = {
    "Event": "tensorboard.Event",
    "Summary": "tensorboard.Summary",
    "Summary.Value": "tensorboard.Summary.Value",
    "SummaryMetadata": "tensorboard.SummaryMetadata",
    "SummaryMetadata.PluginData": "tensorboard.SummaryMetadata.PluginData",
    "TensorProto": "tensorboard.TensorProto",
    "TensorShapeProto": "tensorboard.TensorShapeProto",
    "TensorShapeProto.Dim": "tensorboard.TensorShapeProto.Dim",
}
ENUMS = {"DataClass": "tensorboard.DataClass", "DataType": "tensorboard.DataType"}


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> descriptor_pb2.FileDescriptorProto:
    from grpc_tools import protoc

    out = tmp_path_factory.mktemp("desc") / "event.desc"
    code = protoc.main(["grpc_tools.protoc", f"-I{PROTO_ROOT}", f"--descriptor_set_out={out}", OURS])
    assert code == 0, f"protoc failed on {OURS}"
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    assert [f.name for f in files] == [OURS]
    return files[0]


def nested(file: descriptor_pb2.FileDescriptorProto) -> dict[str, descriptor_pb2.DescriptorProto]:
    out = {}

    def walk(prefix, messages):
        for m in messages:
            out[prefix + m.name] = m
            walk(prefix + m.name + ".", m.nested_type)

    walk("", file.message_type)
    return out


def tensorboard_descriptor(full_name: str):
    # importing these registers tensorboard's messages in the default pool
    from google.protobuf import descriptor_pool
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2  # noqa: F401

    return descriptor_pool.Default().FindMessageTypeByName(full_name)


def test_every_field_has_tensorboards_number_type_and_label(ours):
    messages = nested(ours)
    assert set(messages) == set(MESSAGES), "a new message needs its tensorboard counterpart listed here"
    for name, theirs_name in MESSAGES.items():
        theirs = tensorboard_descriptor(theirs_name)
        assert messages[name].field, name
        for field in messages[name].field:
            other = theirs.fields_by_name.get(field.name)
            assert other is not None, f"{name}.{field.name} is not a field of {theirs_name}"
            assert field.number == other.number, f"{name}.{field.name}: number {field.number} != {other.number}"
            assert field.type == other.type, f"{name}.{field.name}: type {field.type} != {other.type}"
            # repeated fields: proto3 packs scalars by default in both, so labels are compared
            their_label = 3 if other.is_repeated else 1
            assert field.label == their_label, f"{name}.{field.name}: label"
            if field.type_name:  # a message or enum field names our counterpart of tensorboard's type
                their_type = other.message_type or other.enum_type
                assert field.type_name.rsplit(".", 1)[-1] == their_type.name, f"{name}.{field.name}: type name"


def test_enum_values_have_tensorboards_numbers(ours):
    from google.protobuf import descriptor_pool
    from tensorboard.compat.proto import summary_pb2, types_pb2  # noqa: F401

    enums = {e.name: e for e in ours.enum_type}
    assert set(enums) == set(ENUMS)
    for name, theirs_name in ENUMS.items():
        theirs = descriptor_pool.Default().FindEnumTypeByName(theirs_name)
        for value in enums[name].value:
            assert theirs.values_by_name[value.name].number == value.number, f"{name}.{value.name}"


def test_our_package_is_not_tensorboards(ours):
    assert ours.package == "isoplast.tensorboard.v1"
    assert ours.options.java_package == "dev.isoplast.tensorboard.v1"


def test_gen_proto_generates_only_the_env_protocol():
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "python-env-server" / "gen_proto.py")
    gen_proto = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_proto)
    assert gen_proto.PROTO_FILE == "isoplast/env/v1/env.proto"
    assert {out.parent for out in gen_proto.OUTPUTS} == {gen_proto.OUT_ROOT / "isoplast" / "env" / "v1"}
    assert not (gen_proto.OUT_ROOT / "tensorboard").exists()
    assert not (gen_proto.OUT_ROOT / "isoplast" / "tensorboard").exists()


def test_tensorboard_is_the_installed_package():
    import tensorboard
    from tensorboard.compat.proto import event_pb2

    assert "site-packages" in Path(tensorboard.__file__).parts, tensorboard.__file__
    assert event_pb2.Event.DESCRIPTOR.full_name == "tensorboard.Event"
