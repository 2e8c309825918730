"""Gymnasium's MuJoCo v5 envs with three settable dynamics attributes (needs the ``mujoco`` extra).

Each class here is Gymnasium's own env plus :class:`MujocoDynamics`, which adds

- ``friction_scale``: every ``model.geom_friction`` coefficient (sliding, torsional, rolling) is
  ``friction_scale`` times its value in the env's XML. MuJoCo takes a contact's friction as the
  element-wise maximum over its two geoms, so every contact's friction scales by exactly this
  factor; these envs' contacts are condim 3, where only the sliding coefficient acts. This is
  Dohare et al.'s Slippery Ant ("Loss of plasticity in deep continual learning", Nature 2024),
  which sets the sliding friction of Ant's default geom (every geom's; Ant's XML value is 1, so
  the scale is their friction).
- ``gravity_z``: ``model.opt.gravity[2]`` in m/s^2 (the XML's -9.81).
- ``actuator_gain_scale``: every ``model.actuator_gear`` entry is this times its XML value. These
  envs' actuators are motors on joints: fixed gain 1, no bias, no force limit, so the torque on
  the joint is ``gear * ctrl``, and the XML's ``gear`` is what sets each motor's strength.
  Scaling ``gear`` scales the generalised force ``qfrc_actuator`` exactly; scaling ``gainprm``
  would too for these motors, but ``gear`` also stays exact where a ``forcerange`` clamps the
  scalar actuator force (it clamps before the gear). No constant that MuJoCo derives from the
  gear at compile time acts on a motor (``actuator_acc0`` serves muscles and ``dampratio``).

Scales are relative to the values captured when the env is built, never to the current ones, so
setting 0.5 and then 2.0 gives 2.0 x the XML's values. Reading an attribute reads the model back:
the scales are the ratio of the current to the captured arrays, which must be one number. MuJoCo
reads all three arrays afresh at every step and ``reset`` keeps the model, so a change applies
from the next step on and persists across episodes. With every attribute at its default the env
is Gymnasium's, bit for bit.

Pickling (GetState's env states) keeps the whole env: Gymnasium's ``MujocoEnv`` is an ``EzPickle``,
which pickles only the constructor arguments, so that unpickling builds a fresh env at its initial
state and with the XML's model. :class:`MujocoDynamics` pickles the instance dictionary instead:
``MjModel`` (with the scaled arrays) and ``MjData`` (the whole simulation state, including what
the next step reads before integrating, e.g. Ant's ``xpos``) pickle themselves, the RNG is a numpy
Generator. Bit for bit, a restored env steps as the original would have (tests/test_state.py).

Importing this module routes MuJoCo's warnings (process-wide) to this module's logger instead of
MuJoCo's default, which prints them and appends them to a MUJOCO_LOG.TXT in the working directory:
MuJoCo 4 warns that HalfCheetah's XML uses the deprecated ``settotalmass`` at every env built.
"""

from __future__ import annotations

import logging

import numpy as np
from gymnasium.error import DependencyNotInstalled

try:
    import mujoco
    from gymnasium.envs.mujoco.ant_v5 import AntEnv as GymnasiumAntEnv
    from gymnasium.envs.mujoco.half_cheetah_v5 import HalfCheetahEnv as GymnasiumHalfCheetahEnv
    from gymnasium.envs.mujoco.hopper_v5 import HopperEnv as GymnasiumHopperEnv
    from gymnasium.envs.mujoco.walker2d_v5 import Walker2dEnv as GymnasiumWalker2dEnv
except (ImportError, DependencyNotInstalled) as exc:  # Make: INTERNAL with this message; ListEnvs omits them
    raise ImportError(f"the MuJoCo envs need the server's mujoco extra ({exc}): "
                      f"pip install -e 'python-env-server[mujoco]' (./isoplast setup installs it)") from exc

log = logging.getLogger(__name__)
_logged_warnings: set[str] = set()


def _log_mujoco_warning(message: str) -> None:
    """WARNING the first time a message comes (e.g. "... The simulation is unstable"), DEBUG after."""
    repeated = message in _logged_warnings
    if not repeated and len(_logged_warnings) < 1000:
        _logged_warnings.add(message)
    log.log(logging.DEBUG if repeated else logging.WARNING, "MuJoCo: %s", message)


mujoco.set_mju_user_warning(_log_mujoco_warning)


class ScaledModelArray:
    """A float attribute ``s`` of a :class:`MujocoDynamics` env meaning ``model.<field> == s x``
    the array as built: setting it rewrites the array from the copy taken at build time, reading
    it divides the current array by that copy."""

    def __init__(self, field: str):
        self.field = field

    def __get__(self, env, owner=None):
        if env is None:
            return self
        current, built = getattr(env.model, self.field), env.built_arrays[self.field]
        nonzero = built != 0
        ratios = current[nonzero] / built[nonzero]
        if ratios.size == 0:
            return 1.0
        # One factor (up to rounding), else the array was changed other than through this attribute.
        if not np.allclose(ratios, ratios[0], rtol=1e-12, atol=0.0) or np.any(current[~nonzero] != 0):
            raise ValueError(f"model.{self.field} is no longer a uniform scaling of its values as built "
                             f"(ratios from {ratios.min():g} to {ratios.max():g})")
        return float(ratios[0])

    def __set__(self, env, scale: float) -> None:
        getattr(env.model, self.field)[:] = scale * env.built_arrays[self.field]


class MujocoDynamics:
    """Mixin for a Gymnasium ``MujocoEnv``: ``friction_scale``, ``gravity_z`` and
    ``actuator_gain_scale`` as attributes backed by the env's ``model`` (see the module docstring).
    """

    friction_scale = ScaledModelArray("geom_friction")
    actuator_gain_scale = ScaledModelArray("actuator_gear")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Copies: the model's arrays are views that the scales overwrite.
        self.built_arrays = {scale.field: getattr(self.model, scale.field).copy()
                             for scale in (MujocoDynamics.friction_scale, MujocoDynamics.actuator_gain_scale)}

    def __getstate__(self) -> dict:
        # Instead of EzPickle's constructor arguments (a fresh env); see the module docstring.
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def gravity_z(self) -> float:
        return float(self.model.opt.gravity[2])

    @gravity_z.setter
    def gravity_z(self, value: float) -> None:
        self.model.opt.gravity[2] = value


class AntEnv(MujocoDynamics, GymnasiumAntEnv):
    """Ant-v5 with settable friction, gravity and motor strength."""


class HalfCheetahEnv(MujocoDynamics, GymnasiumHalfCheetahEnv):
    """HalfCheetah-v5 with settable friction, gravity and motor strength."""


class HopperEnv(MujocoDynamics, GymnasiumHopperEnv):
    """Hopper-v5 with settable friction, gravity and motor strength."""


class Walker2dEnv(MujocoDynamics, GymnasiumWalker2dEnv):
    """Walker2d-v5 with settable friction, gravity and motor strength."""
