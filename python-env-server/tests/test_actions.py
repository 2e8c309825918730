"""Action validation against every space kind the wire protocol carries (unit level)."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from isoplast_env_server.actions import ActionDecoder
from isoplast_env_server.errors import EnvError
from isoplast_env_server.tensors import space_to_proto, to_tensor


def decode(space, array, num_envs=None):
    array = np.asarray(array)
    return ActionDecoder(space, num_envs or len(array), "h1").decode(to_tensor(array))


def rejected(space, array, num_envs=None) -> str:
    with pytest.raises(EnvError) as info:
        decode(space, array, num_envs)
    assert info.value.code.name == "INVALID_ARGUMENT"
    return info.value.message


def test_discrete_with_start():
    space = spaces.Discrete(3, start=-1)
    np.testing.assert_array_equal(decode(space, np.array([-1, 0, 1], np.int8)), [-1, 0, 1])
    assert decode(space, np.array([1, -1], np.int32)).dtype == np.int64
    assert "action 2 for env 1" in rejected(space, np.array([0, 2]))
    assert "-1..1" in rejected(space, np.array([-2, 0]))


def test_multi_discrete_and_multi_binary():
    space = spaces.MultiDiscrete([2, 5])
    np.testing.assert_array_equal(decode(space, np.array([[1, 4], [0, 0]])), [[1, 4], [0, 0]])
    assert "for env 0" in rejected(space, np.array([[2, 0], [0, 0]]))
    assert "shape [2, 2] (num_envs, 2)" in rejected(space, np.array([1, 4, 1, 4]), num_envs=2)
    binary = spaces.MultiBinary(3)
    np.testing.assert_array_equal(decode(binary, np.array([[True, False, True]])), [[1, 0, 1]])
    assert "outside MultiBinary" in rejected(binary, np.array([[0, 2, 0]], np.uint8))
    # integers are range-checked before the cast, so 257 cannot wrap around to 1 in int8
    assert "for env 0" in rejected(binary, np.array([[0, 257, 0]], np.int64))


def test_box_with_per_dimension_and_infinite_bounds():
    space = spaces.Box(low=np.array([-1.0, -np.inf], np.float32), high=np.array([1.0, 5.0], np.float32))
    np.testing.assert_array_equal(decode(space, np.array([[1.0, -1e30]])), np.array([[1.0, -1e30]], np.float32))
    assert "for env 1" in rejected(space, np.array([[0.0, 0.0], [0.0, 5.5]], np.float32))
    assert "must be finite" in rejected(space, np.array([[0.0, -np.inf]], np.float32))
    assert "must be finite" in rejected(space, np.array([[0.0, -1e300]]))  # overflows float32
    unbounded = spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float64)
    assert decode(unbounded, np.array([[1e300, -3.0]])).dtype == np.float64


def test_decoded_float_actions_are_writable_copies():
    actions = decode(spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32), np.zeros((2, 1), np.float32))
    assert actions.flags.writeable


@pytest.mark.parametrize("space", [
    spaces.Box(-1.0, 2.0, shape=(2, 3), dtype=np.float32), spaces.Discrete(4, start=2),
    spaces.MultiDiscrete([3, 4]), spaces.MultiBinary(5)])
def test_spaces_have_a_wire_form(space):
    kind = space_to_proto(space).WhichOneof("kind")
    assert kind == {"Box": "box", "Discrete": "discrete", "MultiDiscrete": "multi_discrete",
                    "MultiBinary": "multi_binary"}[type(space).__name__]
