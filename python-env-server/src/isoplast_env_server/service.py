"""The EnvService RPC handlers: decode the request, run it on a handle, encode the response.

Every handler is wrapped in :func:`errors.rpc`, the one place where failures become status codes.
The Step path is kept lean: no logging, bounds and shapes precomputed per handle, bulk
conversion only.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from isoplast.env.v1 import env_pb2 as pb
from isoplast.env.v1 import env_pb2_grpc as pb_grpc

from .errors import (EnvError, describe, failed_precondition, internal, invalid_argument, resource_exhausted, rpc,
                     rpc_stream)
from .handles import HandleTable
from .limits import MIB
from .registry import EnvEntry, Registry
from .state import StateSeal
from .tensors import space_to_proto
from .vector import VectorHandle

log = logging.getLogger(__name__)


def _optional_seed(request, what: str) -> int | None:
    if not request.HasField("seed"):
        return None
    if request.seed < 0:
        raise invalid_argument(f"{what} seed must be >= 0 (Gymnasium's rule), got {request.seed}")
    return request.seed


class EnvServicer(pb_grpc.EnvServiceServicer):
    """Serves the envs of ``registry`` through the handles of ``handles``."""

    def __init__(self, registry: Registry, handles: HandleTable, state_seal: StateSeal | None = None):
        self._registry = registry
        self._handles = handles
        self._state_seal = state_seal if state_seal is not None else StateSeal()
        self._limits = handles.limits
        self._env_infos: dict[str, pb.EnvInfo] = {}
        self._env_infos_lock = threading.Lock()
        self.data_path = None  # the local data path (datapath.DataPath) once the server runs one

    def close_crashed(self, handle_id: str, reason: str) -> bool:
        return self._handles.discard(handle_id, f"closed because {reason}")

    @rpc
    def ListEnvs(self, request: pb.ListEnvsRequest, context) -> pb.ListEnvsResponse:
        infos = []
        wanted = set(request.env_ids)
        with self._env_infos_lock:
            for entry in self._registry:
                if wanted and entry.env_id not in wanted:
                    continue
                info = self._env_infos.get(entry.env_id)
                if info is None:  # needs one env for the spaces: built once per id
                    try:
                        info = self._env_infos[entry.env_id] = self._env_info(entry)
                    except Exception:  # an env that cannot be built is not listed (Make says why)
                        log.exception("cannot describe %s for ListEnvs; leaving it out", entry.env_id)
                        continue
                infos.append(info)
        return pb.ListEnvsResponse(envs=infos)

    @staticmethod
    def _env_info(entry: EnvEntry) -> pb.EnvInfo:
        if entry.listed_spaces is not None:  # declared, as making one is slow
            observation_space, action_space = map(space_to_proto, entry.listed_spaces)
        else:
            env = entry.make()
            try:
                observation_space, action_space = space_to_proto(env.observation_space), space_to_proto(env.action_space)
            finally:
                env.close()
        return pb.EnvInfo(
            env_id=entry.env_id, observation_space=observation_space, action_space=action_space,
            dynamics=[pb.DynamicsParam(name=p.name, min=p.min, max=p.max, default_value=p.default,
                                       description=p.description, integer=p.integer) for p in entry.dynamics],
            kwargs=[pb.KwargSpec(name=k.name, type=k.type, description=k.summary) for k in entry.kwargs],
            max_episode_steps=entry.max_episode_steps)

    @rpc
    def Make(self, request: pb.MakeRequest, context) -> pb.MakeResponse:
        entry = self._registry.lookup(request.env_id)  # before anything is imported or made
        kwargs = entry.convert_kwargs(request.kwargs)
        num_envs = request.num_envs
        if num_envs < 1:
            raise invalid_argument(f"num_envs must be >= 1, got {num_envs}")
        if num_envs > self._limits.max_envs_per_handle:
            raise resource_exhausted(f"num_envs {num_envs} is above this server's limit of "
                                     f"{self._limits.max_envs_per_handle} envs per handle (--max-envs-per-handle)")
        seed = _optional_seed(request, "Make")
        handle_id = self._handles.reserve()
        envs = []
        try:
            try:
                envs.append(entry.make(**kwargs))
                self._check_message_size(entry, envs[0], num_envs)
                envs.extend(entry.make(**kwargs) for _ in range(num_envs - 1))
            except EnvError:
                raise
            except Exception as exc:
                raise internal(f"making {entry.env_id} with kwargs {kwargs} raised {describe(exc)}") from exc
            handle = VectorHandle(handle_id, entry, envs, seed)
        except BaseException:
            for env in envs:
                try:
                    env.close()
                except Exception:
                    pass
            self._handles.release()
            raise
        self._handles.add(handle)
        log.info("handle %s: %s x%d (seed %s, kwargs %s)", handle_id, entry.env_id, num_envs, seed, kwargs)
        return pb.MakeResponse(handle=handle_id, observation_space=space_to_proto(handle.observation_space),
                               action_space=space_to_proto(handle.action_space), num_envs=num_envs,
                               env_id=entry.env_id)

    def _check_message_size(self, entry: EnvEntry, env, num_envs: int) -> None:
        """RESOURCE_EXHAUSTED if a Step response could exceed the max message size."""
        obs_bytes = int(np.prod(env.observation_space.shape, dtype=np.int64)) * np.dtype(env.observation_space.dtype).itemsize
        # observations + final_observations (all envs may end at once) + rewards, flags, indices, stats
        worst = num_envs * (2 * obs_bytes + 8 + 2 + 4 + 8 + 8 + 16) + 1024
        if worst > self._limits.max_message_bytes:
            raise resource_exhausted(
                f"{num_envs} envs of {entry.env_id} need up to {worst / MIB:.1f} MiB per Step response, above "
                f"this server's max message size of {self._limits.max_message_bytes / MIB:.1f} MiB (--max-message-mb)")

    @rpc
    def Reset(self, request: pb.ResetRequest, context) -> pb.ResetResponse:
        handle = self._handles.get(request.handle)
        seed = _optional_seed(request, "Reset")
        with handle.lock:
            handle.ensure_open()
            return handle.reset(seed)

    def _step(self, request: pb.StepRequest, response: pb.StepResponse | None = None) -> pb.StepResponse:
        handle = self._handles.get(request.handle)
        actions = handle.actions.decode(request.actions)
        with handle.lock:
            handle.ensure_open()
            return handle.step(actions, response)

    def step_into(self, request: pb.StepRequest, reply: pb.DataPathReply) -> pb.StepResponse:
        """Step for the local data path: exactly what Step does, written into ``reply.step``."""
        return self._step(request, reply.step)

    @rpc
    def Step(self, request: pb.StepRequest, context) -> pb.StepResponse:
        return self._step(request)

    @rpc_stream
    def StepStream(self, request: pb.StepRequest, context) -> pb.StepResponse:
        return self._step(request)

    @rpc
    def Reconfigure(self, request: pb.ReconfigureRequest, context) -> pb.ReconfigureResponse:
        handle = self._handles.get(request.handle)
        with handle.lock:
            handle.ensure_open()
            response = handle.reconfigure(request)
        log.info("handle %s reconfigured: dynamics %s, reward_scale %g", handle.id, dict(response.dynamics),
                 response.reward_scale)
        return response

    @rpc
    def GetState(self, request: pb.GetStateRequest, context) -> pb.GetStateResponse:
        handle = self._handles.get(request.handle)
        with handle.lock:
            handle.ensure_open()
            try:
                state = self._state_seal.seal(handle.snapshot())
            except Exception as exc:  # TypeError, PicklingError, ...: not a crash, the handle stays
                raise failed_precondition(f"the state of handle {handle.id} cannot be saved: {handle.entry.env_id} "
                                          f"cannot be pickled ({describe(exc).splitlines()[0]})") from exc
        limit = self._limits.max_message_bytes - 64  # room for the response's framing
        if len(state) > limit:
            raise resource_exhausted(
                f"the state of handle {handle.id} ({handle.entry.env_id} x{handle.num_envs}) is "
                f"{len(state) / MIB:.1f} MiB, above this server's max message size of "
                f"{self._limits.max_message_bytes / MIB:.1f} MiB (--max-message-mb); save fewer envs per handle")
        return pb.GetStateResponse(state=state)

    @rpc
    def SetState(self, request: pb.SetStateRequest, context) -> pb.SetStateResponse:
        handle = self._handles.get(request.handle)
        state = self._state_seal.open(request.state)  # INVALID_ARGUMENT unless this key sealed it
        with handle.lock:
            handle.ensure_open()
            handle.restore(state)
        log.info("handle %s: state loaded (%d bytes)", handle.id, len(request.state))
        return pb.SetStateResponse()

    @rpc
    def OpenDataPath(self, request: pb.OpenDataPathRequest, context) -> pb.OpenDataPathResponse:
        data_path = self.data_path
        if data_path is None:
            return pb.OpenDataPathResponse()
        return pb.OpenDataPathResponse(unix_socket=data_path.path, key=data_path.key,
                                       max_frame_bytes=data_path.max_frame_bytes)

    @rpc
    def Close(self, request: pb.CloseRequest, context) -> pb.CloseResponse:
        self._handles.close(request.handle, "closed by the client")
        return pb.CloseResponse()

