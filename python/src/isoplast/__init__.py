"""isoplast in Python: read runs, sweeps and committed exports into pandas DataFrames, give rliable
its score matrices, and run networks exported with ``isoplast export`` under ONNX Runtime. It reads;
it does not train (training is the Java side's: ``./isoplast train``, ``sweep``).

    import isoplast
    sweep = isoplast.load_sweep("results/random-label-mnist")
    late = isoplast.scores(sweep, window="late")        # {method: (runs, 1) array} for rliable
    act = isoplast.policy("cartpole.onnx")              # act(obs) -> action
"""

from __future__ import annotations

from pkgutil import extend_path

# The env server's generated gRPC stubs live in the namespace package isoplast.env.v1
# (python-env-server/src/isoplast/env): keep that part importable beside this package.
__path__ = extend_path(__path__, __name__)

from isoplast.policy import Policy, policy  # noqa: E402
from isoplast.runs import Run, Sweep, flatten, late_count, load_run, load_sweep, read_metrics, scores  # noqa: E402

__all__ = ["Policy", "Run", "Sweep", "flatten", "late_count", "load_run", "load_sweep", "policy", "read_metrics",
           "scores"]
__version__ = "0.1.0"
