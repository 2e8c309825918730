"""Conversion between numpy arrays / Gymnasium spaces and the wire types Tensor / Space.

Tensors are raw little-endian row-major bytes, converted in bulk (``np.frombuffer`` one way,
``ndarray.tobytes`` the other), never element by element.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from isoplast.env.v1 import env_pb2 as pb

from .errors import invalid_argument, listed

#: Wire dtype -> numpy dtype (explicitly little-endian).
NUMPY_DTYPE: dict[int, np.dtype] = {
    pb.DTYPE_FLOAT32: np.dtype("<f4"),
    pb.DTYPE_FLOAT64: np.dtype("<f8"),
    pb.DTYPE_INT32: np.dtype("<i4"),
    pb.DTYPE_INT64: np.dtype("<i8"),
    pb.DTYPE_INT8: np.dtype("i1"),
    pb.DTYPE_UINT8: np.dtype("u1"),
    pb.DTYPE_BOOL: np.dtype("?"),
}
#: numpy dtype (native byte order) -> wire dtype.
WIRE_DTYPE: dict[np.dtype, int] = {dtype.newbyteorder("="): wire for wire, dtype in NUMPY_DTYPE.items()}

INTEGER_WIRE_DTYPES = frozenset({pb.DTYPE_INT32, pb.DTYPE_INT64, pb.DTYPE_INT8, pb.DTYPE_UINT8})
FLOAT_WIRE_DTYPES = frozenset({pb.DTYPE_FLOAT32, pb.DTYPE_FLOAT64})


def dtype_name(wire: int) -> str:
    return pb.DType.Name(wire) if wire in pb.DType.values() else f"unknown dtype {wire}"


def wire_dtype(dtype: np.dtype) -> int:
    """The wire dtype of a numpy dtype; ValueError for types the protocol does not carry."""
    try:
        return WIRE_DTYPE[np.dtype(dtype).newbyteorder("=")]
    except KeyError:
        raise ValueError(f"numpy dtype {np.dtype(dtype)} has no wire DType") from None


def to_tensor(array: np.ndarray) -> pb.Tensor:
    """A Tensor holding ``array`` (any layout; copied once into little-endian C order)."""
    array = np.asarray(array)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return pb.Tensor(dtype=wire_dtype(array.dtype), shape=array.shape, data=array.tobytes())


def from_tensor(tensor: pb.Tensor, what: str) -> np.ndarray:
    """The array a Tensor holds (read-only view of its bytes); INVALID_ARGUMENT if inconsistent."""
    dtype = NUMPY_DTYPE.get(tensor.dtype)
    if dtype is None:
        raise invalid_argument(f"{what} has {dtype_name(tensor.dtype)}, which carries no data")
    shape = tuple(tensor.shape)
    count = 1
    for extent in shape:
        if extent < 0:
            raise invalid_argument(f"{what} has a negative extent in shape {listed(shape)}")
        count *= extent
    data = tensor.data
    if len(data) != count * dtype.itemsize:
        raise invalid_argument(f"{what} of shape {listed(shape)} and {dtype_name(tensor.dtype)} needs "
                               f"{count * dtype.itemsize} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def space_to_proto(space: spaces.Space) -> pb.Space:
    """The wire description of a Box, Discrete, MultiDiscrete or MultiBinary space."""
    if isinstance(space, spaces.Box):
        return pb.Space(box=pb.Box(low=to_tensor(space.low), high=to_tensor(space.high),
                                   shape=space.shape, dtype=wire_dtype(space.dtype)))
    if isinstance(space, spaces.Discrete):
        return pb.Space(discrete=pb.Discrete(n=int(space.n), start=int(space.start)))
    if isinstance(space, spaces.MultiDiscrete):
        return pb.Space(multi_discrete=pb.MultiDiscrete(nvec=space.nvec.ravel().tolist(), shape=space.shape))
    if isinstance(space, spaces.MultiBinary):
        return pb.Space(multi_binary=pb.MultiBinary(shape=space.shape))
    raise ValueError(f"space {space} cannot be described on the wire (Box, Discrete, MultiDiscrete, MultiBinary only)")

