"""Read a run directory's TensorBoard event files with the `tensorboard` package's own readers and
print what they hold as JSON (used by dev.isoplast.runs.TensorBoardWriterTest; not a pytest test).

    .venv/bin/python agent/src/test/python/tensorboard_dump.py RUN_DIR

Three independent readings, all TensorBoard's code, none of ours:
- records: the raw TFRecord reader (tensorboard.compat.tensorflow_stub.pywrap_tensorflow), which
  checks both masked CRC-32C of every record and raises DataLossError on a mismatch or a
  truncated record; every record is parsed as tensorboard's own Event proto.
- scalars: event_accumulator.EventAccumulator, the legacy reader of simple_value summaries.
- plugin_scalars / text: plugin_event_accumulator.EventAccumulator, what TensorBoard's dashboards
  read (it migrates simple_value to scalar tensors and indexes tags by plugin name).

Output: {"tensorboard": version, "files": [...], "records": [{"step", "wall_time", "file_version"
| "tags"}...], "file_version": str, "scalars": {tag: [[step, value], ...]}, "plugin_scalars":
{tag: [[step, value], ...]}, "text": {tag: [[step, text], ...]}}. Non-finite values are written as
JSON's NaN / Infinity / -Infinity; floats print with repr, so they read back exactly.
Exit code 1 with a message on stderr when a reader fails (e.g. a CRC mismatch).
"""

from __future__ import annotations

import json
import os
import sys


def raw_records(path: str) -> list[dict]:
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow

    reader = pywrap_tensorflow.PyRecordReader_New(path)
    out = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return out
        event = event_pb2.Event.FromString(reader.record())
        row = {"step": event.step, "wall_time": event.wall_time}
        if event.HasField("file_version"):
            row["file_version"] = event.file_version
        if event.HasField("summary"):
            row["tags"] = [v.tag for v in event.summary.value]
        out.append(row)


def plugin_tags(accumulator, plugin_name: str) -> list[str]:
    """The tags a plugin's dashboard lists (none when no value carries that plugin's metadata)."""
    try:
        return sorted(accumulator.PluginTagToContent(plugin_name))
    except KeyError:
        return []


def main(run_dir: str) -> int:
    import tensorboard
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.compat.tensorflow_stub import errors
    from tensorboard.util import tensor_util

    files = sorted(f for f in os.listdir(run_dir) if "tfevents" in f)
    records = []
    try:
        for f in files:
            records.extend(raw_records(os.path.join(run_dir, f)))
    except errors.DataLossError as e:
        print(f"tensorboard_dump: {e}", file=sys.stderr)
        return 1

    keep_all = {ea.SCALARS: 0, ea.TENSORS: 0}
    legacy = ea.EventAccumulator(run_dir, size_guidance=keep_all)
    legacy.Reload()
    scalars = {tag: [[e.step, e.value] for e in legacy.Scalars(tag)] for tag in legacy.Tags()[ea.SCALARS]}

    plugin = pea.EventAccumulator(run_dir, size_guidance={pea.TENSORS: 0})
    plugin.Reload()
    plugin_scalars = {
        tag: [[e.step, float(tensor_util.make_ndarray(e.tensor_proto))] for e in plugin.Tensors(tag)]
        for tag in plugin_tags(plugin, "scalars")
    }
    text = {}
    for tag in plugin_tags(plugin, "text"):
        rows = []
        for e in plugin.Tensors(tag):
            value = tensor_util.make_ndarray(e.tensor_proto)
            rows.append([e.step, value.item().decode("utf-8")])
        text[tag] = rows

    json.dump({
        "tensorboard": tensorboard.__version__,
        "files": files,
        "records": records,
        "file_version": legacy.file_version,
        "scalars": scalars,
        "plugin_scalars": plugin_scalars,
        "text": text,
    }, sys.stdout)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
