"""isoplast-env-server: the Python sidecar serving allow-listed Gymnasium environments over gRPC.

The wire protocol is ``isoplast.env.v1`` (proto/src/main/proto/isoplast/env/v1/env.proto);
start the server with ``python -m isoplast_env_server`` or, in-process, ``create_server()``.
"""

from .limits import Limits
from .registry import DynamicsParam, EnvEntry, KwargSpec, Registry, default_registry
from .server import EnvServer, InsecureBindError, create_server

__all__ = ["create_server", "EnvServer", "InsecureBindError", "Limits", "Registry", "EnvEntry",
           "KwargSpec", "DynamicsParam", "default_registry"]
__version__ = "0.1.0"
