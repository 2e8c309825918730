"""Validation of a Step's actions against a handle's action space.

Everything that does not change between calls (expected shape, accepted wire dtypes, bounds as
numpy arrays) is computed once per handle, so a Step only pays for a few vectorised checks.
The rules (INVALID_ARGUMENT otherwise): the dtype is an integer one for Discrete /
MultiDiscrete / MultiBinary spaces and a float one for float Boxes (cast to the space's dtype);
the shape is [num_envs, *action_shape]; float values are finite; every value is inside the space.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from isoplast.env.v1 import env_pb2 as pb

from .errors import invalid_argument, listed
from .tensors import FLOAT_WIRE_DTYPES, INTEGER_WIRE_DTYPES, NUMPY_DTYPE, dtype_name

MIN, MAX = np.minimum.reduce, np.maximum.reduce  # the ufuncs themselves: less overhead than .min()


class ActionDecoder:
    """Turns the actions Tensor of one handle into a validated array in the space's dtype."""

    def __init__(self, space: spaces.Space, num_envs: int, handle_id: str):
        self.space = space
        self.handle_id = handle_id
        self.shape = (num_envs, *space.shape)
        self._shape_list = list(self.shape)
        self._shape_text = "(num_envs" + "".join(f", {d}" for d in space.shape) + (",)" if not space.shape else ")")
        if isinstance(space, spaces.Discrete):
            self.dtype = np.dtype(np.int64)
            low, high = int(space.start), int(space.start + space.n - 1)
            self._range_text = f"{low}..{high}"
        elif isinstance(space, spaces.MultiDiscrete):
            self.dtype = space.dtype
            low, high = space.start, space.start + space.nvec - 1
            self._range_text = f"start..start+nvec-1 (start {space.start.tolist()}, nvec {space.nvec.tolist()})"
        elif isinstance(space, spaces.MultiBinary):
            self.dtype = space.dtype
            low, high = 0, 1
            self._range_text = "0..1"
        elif isinstance(space, spaces.Box):
            self.dtype = space.dtype
            low, high = space.low, space.high
            self._range_text = f"[{space.low.tolist()}, {space.high.tolist()}]"
        else:
            raise ValueError(f"action space {space} is not supported (Box, Discrete, MultiDiscrete, MultiBinary)")
        self.is_float = np.issubdtype(self.dtype, np.floating)
        self._accepted = FLOAT_WIRE_DTYPES if self.is_float else INTEGER_WIRE_DTYPES
        if isinstance(space, spaces.MultiBinary):
            self._accepted = INTEGER_WIRE_DTYPES | {pb.DTYPE_BOOL}
        count = int(np.prod(self.shape, dtype=np.int64))
        self._nbytes = {wire: count * NUMPY_DTYPE[wire].itemsize for wire in self._accepted}
        # Bounds: Python numbers when one value holds for every dimension (a cheap min/max check),
        # arrays otherwise; a side that is infinite everywhere is not checked at all.
        self._low, self._high = self._bound(low), self._bound(high)
        self._scalar_bounds = np.isscalar(self._low) and np.isscalar(self._high)
        self._unchecked = count == 0 or (self._low is None and self._high is None)

    def _bound(self, bound):
        array = np.asarray(bound, dtype=self.dtype)
        if np.isinf(array).all():
            return None
        return array.flat[0].item() if (array == array.flat[0]).all() else array

    def decode(self, tensor: pb.Tensor) -> np.ndarray:
        """The validated actions, shape [num_envs, *action_shape], in the space's dtype."""
        wire = tensor.dtype
        if wire not in self._accepted:
            kind = "a float" if self.is_float else "an integer"
            allowed = " or ".join(sorted(dtype_name(d) for d in self._accepted))
            raise invalid_argument(f"actions for handle {self.handle_id} must have {kind} dtype ({allowed}) "
                                   f"for {self.space}, got {dtype_name(wire)}")
        if tensor.shape != self._shape_list:
            raise invalid_argument(f"actions for handle {self.handle_id} must have shape {self._shape_list} "
                                   f"{self._shape_text} for {self.space}, got {listed(tensor.shape)}")
        data = tensor.data
        if len(data) != self._nbytes[wire]:
            raise invalid_argument(f"actions for handle {self.handle_id} of shape {self._shape_list} and "
                                   f"{dtype_name(wire)} need {self._nbytes[wire]} bytes, got {len(data)}")
        actions = np.frombuffer(data, dtype=NUMPY_DTYPE[wire]).reshape(self.shape)
        if self.is_float:
            if actions.dtype != self.dtype:
                with np.errstate(over="ignore"):
                    actions = actions.astype(self.dtype)
            else:
                actions = actions.copy()  # writable, owned by the envs
            if not np.isfinite(actions).all():
                self._reject(np.isfinite(actions), actions, "must be finite")
        # Integers are range-checked before any cast, so nothing can wrap around.
        low, high = self._low, self._high
        if self._unchecked:
            inside = True
        elif self._scalar_bounds:
            inside = MIN(actions, axis=None) >= low and MAX(actions, axis=None) <= high
        else:
            inside = (low is None or (actions >= low).all()) and (high is None or (actions <= high).all())
        if not inside:
            ok = np.ones(actions.shape, dtype=bool)
            if low is not None:
                ok &= actions >= low
            if high is not None:
                ok &= actions <= high
            self._reject(ok, actions, f"is outside {self.space} ({self._range_text})")
        if not self.is_float and actions.dtype != self.dtype:
            actions = actions.astype(self.dtype)
        return actions

    def _reject(self, ok: np.ndarray, actions: np.ndarray, problem: str):
        """Raise INVALID_ARGUMENT naming the first env whose action is bad."""
        per_env = ok.reshape(len(actions), -1).all(axis=1)
        env = int(np.argmin(per_env))
        value = actions[env].tolist()
        raise invalid_argument(f"action {value} for env {env} of handle {self.handle_id} {problem}")
