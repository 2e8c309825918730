"""The allow-list: which env ids the server makes, with which kwargs and dynamics parameters.

``gymnasium.make`` imports any module named in an id of the form ``module:Env``, so the server
never passes a client's id to Gymnasium: :meth:`Registry.lookup` refuses ids containing ':' and
ids not listed here before anything is imported or made. Make accepts only the constructor
kwargs an entry declares (never ``render_mode``), and Reconfigure sets only the declared
dynamics attributes, each within a closed range.

Ranges: by default 0.1x to 10x Gymnasium's value (all are positive physical quantities); CartPole's
``tau`` is limited to 0.05x-5x (0.001-0.1 s) because larger Euler steps stop being a cart-pole.

The MuJoCo envs (Ant, HalfCheetah, Hopper, Walker2d, v5; the ``mujoco`` extra) share three keys,
implemented in :mod:`.mujoco_envs`, which is imported only when one of them is made:

- ``friction_scale`` in [0.01, 10]: contains Slippery Ant's log-uniform [0.02, 2] (Dohare et al.).
- ``gravity_z`` in [-30, -2] m/s^2 (about 0.2 g to 3 g): gravity must point down, as the envs'
  rewards and health checks assume a floor below.
- ``actuator_gain_scale`` in [0.1, 2].

The weakest gravity and the strongest motors are bounded where the simulation stays stable:
2000 steps of uniform random and of saturated (+-1) actions at every combination of the three
keys' extremes (and defaults) raised no MuJoCo instability warning in any of the four envs,
whereas under saturated actions HalfCheetah's did with 2x motors at |gravity_z| <= 1 and with 3x
motors at the default gravity.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import gymnasium
import numpy as np
from gymnasium import spaces

from .envs import CONTINUOUS_MOUNTAIN_CAR_GRAVITY, ContinuousMountainCarEnv
from .errors import invalid_argument, quoted

KWARG_TYPES = ("float", "int", "bool", "str")


@dataclass(frozen=True)
class KwargSpec:
    """One constructor keyword argument Make accepts; ``type`` is float, int, bool or str. A float
    kwarg must have an allowed finite closed range [min, max], checked by Make and stated in
    ``summary`` (what ListEnvs describes it with), so a value the env cannot work with (or that
    overflows its rewards, e.g. a weight of 1e308) is refused up front rather than crash the handle
    at its first Reset or fill its returns with inf."""

    name: str
    type: str
    description: str
    min: float = -math.inf
    max: float = math.inf

    def __post_init__(self):
        if self.type not in KWARG_TYPES:
            raise ValueError(f"kwarg {self.name}: type must be one of {KWARG_TYPES}, got {self.type!r}")
        if self.bounded and (self.type != "float" or not self.min <= self.max):
            raise ValueError(f"kwarg {self.name}: only a float kwarg has a range, with min <= max")
        if self.type == "float" and not (math.isfinite(self.min) and math.isfinite(self.max)):
            raise ValueError(f"kwarg {self.name}: a float kwarg needs a finite range [min, max]")

    @property
    def bounded(self) -> bool:
        return self.min > -math.inf or self.max < math.inf

    @property
    def summary(self) -> str:
        """The description, with the allowed range if there is one (exact: repr of each bound)."""
        return f"{self.description}; allowed range [{self.min!r}, {self.max!r}]" if self.bounded else self.description


@dataclass(frozen=True)
class DynamicsParam:
    """An attribute of ``env.unwrapped`` that Reconfigure may set, in [min, max]; an ``integer``
    one (a game index) takes whole numbers only (ListEnvs says so, and so does its description)."""

    name: str
    default: float
    min: float
    max: float
    description: str
    integer: bool = False

    def __post_init__(self):
        if not (self.min <= self.default <= self.max):
            raise ValueError(f"dynamics {self.name}: default {self.default} outside [{self.min}, {self.max}]")
        if self.integer and not all(float(v).is_integer() for v in (self.default, self.min, self.max)):
            raise ValueError(f"dynamics {self.name}: an integer parameter needs an integer default and range")


def scaled(name: str, default: float, description: str, low: float = 0.1, high: float = 10.0) -> DynamicsParam:
    """A parameter allowed from ``low`` x to ``high`` x its Gymnasium default."""
    return DynamicsParam(name, default, default * low, default * high, description)


@dataclass(frozen=True)
class EnvEntry:
    """One allowed env id.

    ``make(**kwargs)`` builds one env exactly as ``gymnasium.make(env_id, **kwargs)`` would
    (same wrappers, so TimeLimit applies); ``recompute(unwrapped)`` refreshes derived attributes
    after dynamics changed. ``listed_spaces`` (observation, action), for an id whose make is slow (an ALE
    env loads its ROM, 0.3 s), is what ListEnvs reports instead of making one env to look
    (test_registry.py checks them against a made env).
    """

    env_id: str
    make: Callable[..., gymnasium.Env]
    kwargs: tuple[KwargSpec, ...] = ()
    dynamics: tuple[DynamicsParam, ...] = ()
    recompute: Callable[[Any], None] | None = None
    max_episode_steps: int = 0
    listed_spaces: tuple[spaces.Space, spaces.Space] | None = None

    @classmethod
    def gymnasium(cls, env_id: str, *, kwargs: Iterable[KwargSpec] = (),
                  dynamics: Iterable[DynamicsParam] = (), recompute: Callable[[Any], None] | None = None,
                  entry_point: Callable[..., gymnasium.Env] | str | None = None) -> "EnvEntry":
        """An entry for a registered Gymnasium id; ``entry_point`` swaps in a subclass (a class,
        or Gymnasium's ``"module:Class"`` string, imported at the first make)."""
        spec = gymnasium.spec(env_id)
        if entry_point is not None:
            spec = dataclasses.replace(spec, entry_point=entry_point)
        return cls(env_id=env_id, make=functools.partial(gymnasium.make, spec), kwargs=tuple(kwargs),
                   dynamics=tuple(dynamics), recompute=recompute,
                   max_episode_steps=spec.max_episode_steps or 0)

    # -- Make ---------------------------------------------------------------------------------

    def convert_kwargs(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Check a MakeRequest's kwargs (name -> KwargValue) and return them as Python values."""
        specs = {spec.name: spec for spec in self.kwargs}
        out: dict[str, Any] = {}
        for name in sorted(given):
            spec = specs.get(name)
            if spec is None:
                accepted = ", ".join(f"{s.name} ({s.type})" for s in self.kwargs) or "none"
                raise invalid_argument(f"unknown kwarg {quoted(name)} for {self.env_id}; accepted kwargs: {accepted}")
            kind = given[name].WhichOneof("kind")
            value = getattr(given[name], kind) if kind else None
            if spec.type == "float" and kind in ("number", "integer"):
                value = float(value)
                if not math.isfinite(value):
                    raise invalid_argument(f"kwarg {name} of {self.env_id} must be finite, got {value}")
                if not (spec.min <= value <= spec.max):
                    raise invalid_argument(f"kwarg {name} of {self.env_id} must be in [{spec.min:g}, {spec.max:g}], got {value:g}")
            elif not ((spec.type == "int" and kind == "integer") or (spec.type == "bool" and kind == "flag")
                      or (spec.type == "str" and kind == "text")):
                raise invalid_argument(f"kwarg {name} of {self.env_id} must be a {spec.type}, got "
                                       f"{'nothing' if kind is None else f'{kind} {quoted(value)}'}")
            out[name] = value
        return out

    # -- Reconfigure --------------------------------------------------------------------------

    def check_dynamics(self, values: Mapping[str, float]) -> dict[str, float]:
        """Validate every key and value (declared, finite, in range) before anything is set."""
        params = {param.name: param for param in self.dynamics}
        checked: dict[str, float] = {}
        for name in sorted(values):
            param = params.get(name)
            if param is None:
                accepted = ", ".join(params) or "none"
                raise invalid_argument(f"unknown dynamics parameter {quoted(name)} for {self.env_id}; accepted: {accepted}")
            value = float(values[name])
            if not math.isfinite(value):
                raise invalid_argument(f"dynamics {name} of {self.env_id} must be finite, got {value}")
            if not (param.min <= value <= param.max):
                raise invalid_argument(f"dynamics {name} of {self.env_id} must be in [{param.min:g}, {param.max:g}], got {value:g}")
            if param.integer and not value.is_integer():
                raise invalid_argument(f"dynamics {name} of {self.env_id} must be an integer ({param.description}), "
                                       f"got {value:g}")
            checked[name] = value
        return checked

    def apply_dynamics(self, unwrapped: Any, values: Mapping[str, float]) -> None:
        """Set checked values on one unwrapped env (instance attributes), then recompute."""
        for name, value in values.items():
            setattr(unwrapped, name, value)
        if values and self.recompute is not None:
            self.recompute(unwrapped)

    def read_dynamics(self, unwrapped: Any) -> dict[str, float]:
        """The declared parameters as the env holds them now."""
        return {param.name: float(getattr(unwrapped, param.name)) for param in self.dynamics}


class Registry:
    """An immutable set of :class:`EnvEntry`, looked up by env id."""

    def __init__(self, entries: Iterable[EnvEntry]):
        self._entries: dict[str, EnvEntry] = {}
        for entry in entries:
            if ":" in entry.env_id:
                raise ValueError(f"env id {entry.env_id!r}: ids containing ':' are never allowed")
            self._entries[entry.env_id] = entry

    def with_entries(self, *entries: EnvEntry) -> "Registry":
        """A copy with ``entries`` added (or replacing entries of the same id)."""
        return Registry([*self._entries.values(), *entries])

    def lookup(self, env_id: str) -> EnvEntry:
        """The entry for ``env_id``, or INVALID_ARGUMENT. Imports nothing, makes nothing."""
        if ":" in env_id:
            raise invalid_argument(
                f"env id {quoted(env_id)} has the form module:Env, which would make Gymnasium import "
                f"arbitrary code; allowed: {self.summary()}")
        entry = self._entries.get(env_id)
        if entry is None:
            raise invalid_argument(
                f"env id {quoted(env_id)} is not on this server's allow-list; allowed: {self.summary()}")
        return entry

    def summary(self) -> str:
        """The allowed ids for an error message: plain ids in full, namespaced ones (``MinAtar/...``)
        counted per namespace, so that the message stays short as games are added (ListEnvs lists
        every id)."""
        plain = [env_id for env_id in self._entries if "/" not in env_id]
        namespaces: dict[str, int] = {}
        for env_id in self._entries:
            if "/" in env_id:
                namespace = env_id.split("/", 1)[0]
                namespaces[namespace] = namespaces.get(namespace, 0) + 1
        return ", ".join(plain + [f"{namespace}/... ({count} ids)" for namespace, count in namespaces.items()])

    def __iter__(self) -> Iterator[EnvEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, env_id: object) -> bool:
        return env_id in self._entries


def _cartpole_recompute(env: Any) -> None:
    # CartPoleEnv caches these two in __init__; its step() reads them, not masscart/masspole/length.
    env.total_mass = env.masspole + env.masscart
    env.polemass_length = env.masspole * env.length


def default_registry() -> Registry:
    """The envs of DESIGN.md §3 (classic control, then MuJoCo) with their Gymnasium defaults."""
    # MountainCar's speed is clipped to [-0.07, 0.07]: a goal velocity outside that can never be reached
    goal_velocity = KwargSpec("goal_velocity", "float", "minimum velocity at the goal position for the episode to "
                              "terminate (default 0)", min=-0.07, max=0.07)
    pendulum_g = scaled("g", 10.0, "gravitational acceleration [m/s^2]")  # the kwarg has the dynamics range
    return Registry([
        EnvEntry.gymnasium(
            "CartPole-v1",
            kwargs=[KwargSpec("sutton_barto_reward", "bool",
                              "reward 0 per step and -1 on failure, as in Sutton & Barto (default false: +1 per step)")],
            dynamics=[
                scaled("gravity", 9.8, "gravitational acceleration [m/s^2]"),
                scaled("masscart", 1.0, "mass of the cart [kg]"),
                scaled("masspole", 0.1, "mass of the pole [kg]"),
                scaled("length", 0.5, "half the pole's length [m]"),
                scaled("force_mag", 10.0, "magnitude of the force an action applies [N]"),
                scaled("tau", 0.02, "seconds between state updates (Euler step) [s]", low=0.05, high=5.0),
            ],
            recompute=_cartpole_recompute),
        EnvEntry.gymnasium(
            "Acrobot-v1",
            dynamics=[
                scaled("LINK_LENGTH_1", 1.0, "length of link 1 [m]"),
                scaled("LINK_LENGTH_2", 1.0, "length of link 2 [m] (Gymnasium uses it for rendering only; "
                                             "the dynamics use the centre-of-mass position of link 2)"),
                scaled("LINK_MASS_1", 1.0, "mass of link 1 [kg]"),
                scaled("LINK_MASS_2", 1.0, "mass of link 2 [kg]"),
                scaled("LINK_MOI", 1.0, "moment of inertia of both links [kg m^2]"),
            ]),
        EnvEntry.gymnasium(
            "MountainCar-v0",
            kwargs=[goal_velocity],
            dynamics=[
                scaled("force", 0.001, "velocity change per step from pushing"),
                scaled("gravity", 0.0025, "velocity change per step from the slope, times cos(3x)"),
            ]),
        EnvEntry.gymnasium(
            "MountainCarContinuous-v0",
            kwargs=[goal_velocity],
            dynamics=[
                scaled("power", 0.0015, "velocity change per step per unit of action"),
                scaled("gravity", CONTINUOUS_MOUNTAIN_CAR_GRAVITY,
                       "velocity change per step from the slope, times cos(3x) (a constant in Gymnasium, "
                       "made settable here)"),
            ],
            entry_point=ContinuousMountainCarEnv),
        EnvEntry.gymnasium(
            "Pendulum-v1",
            kwargs=[KwargSpec("g", "float", "gravitational acceleration [m/s^2] (default 10.0)",
                              min=pendulum_g.min, max=pendulum_g.max)],
            dynamics=[
                pendulum_g,
                scaled("m", 1.0, "mass of the pendulum [kg]"),
                scaled("l", 1.0, "length of the pendulum [m]"),
            ]),
        *mujoco_entries(),
        *minatar_entries(),
        *atari_entries(),
    ])


#: The dynamics keys of every MuJoCo env (the module docstring says why these ranges).
MUJOCO_DYNAMICS = (
    DynamicsParam("friction_scale", 1.0, 0.01, 10.0,
                  "factor on every geom's friction coefficients (model.geom_friction) from the XML's "
                  "values; Slippery Ant draws it log-uniformly in [0.02, 2]"),
    DynamicsParam("gravity_z", -9.81, -30.0, -2.0, "vertical gravitational acceleration model.opt.gravity[2] [m/s^2]"),
    DynamicsParam("actuator_gain_scale", 1.0, 0.1, 2.0,
                  "factor on every motor's gear (model.actuator_gear) from the XML's values, i.e. on the "
                  "joint torque per unit of action"),
)


def mujoco_entries() -> list[EnvEntry]:
    """Ant, HalfCheetah, Hopper, Walker2d (v5) with their reward-shaping constructor kwargs."""

    def weight(name: str, what: str, defaults: str, min: float = -100.0, max: float = 100.0) -> KwargSpec:
        # +-100: two orders of magnitude beyond every default, far from overflowing a return
        return KwargSpec(name, "float", f"{what} (Gymnasium's default: {defaults})", min=min, max=max)

    forward = weight("forward_reward_weight", "weight of the forward-velocity reward", "1")
    ctrl = weight("ctrl_cost_weight", "weight of the control cost sum(action^2)",
                  "Ant 0.5, HalfCheetah 0.1, Hopper and Walker2d 0.001")
    # A negative scale makes every reset raise (uniform(-s, s)); 1 is 10x the largest default.
    noise = weight("reset_noise_scale", "scale of the random perturbation of the initial state",
                   "Ant and HalfCheetah 0.1, Hopper and Walker2d 0.005", min=0.0, max=1.0)
    healthy = weight("healthy_reward", "reward per step while the body is healthy", "1")
    terminate = KwargSpec("terminate_when_unhealthy", "bool",
                          "end the episode when the body is no longer healthy (default true)")
    entries = {
        "Ant-v5": [forward, ctrl, weight("contact_cost_weight", "weight of the contact-force cost", "0.0005"),
                   healthy, terminate, noise,
                   KwargSpec("include_cfrc_ext_in_observation", "bool",
                             "append the 78 external contact forces to the 27 joint positions and velocities "
                             "(default true: 105 observations)")],
        "HalfCheetah-v5": [forward, ctrl, noise],
        "Hopper-v5": [forward, ctrl, healthy, terminate, noise],
        "Walker2d-v5": [forward, ctrl, healthy, terminate, noise],
    }
    return [EnvEntry.gymnasium(env_id, kwargs=kwargs, dynamics=MUJOCO_DYNAMICS,
                               entry_point=f"isoplast_env_server.mujoco_envs:{env_id.split('-')[0]}Env")
            for env_id, kwargs in entries.items()]


#: MinAtar's five games (the ``minatar`` extra), as in :mod:`.minatar_envs`.
MINATAR_IDS = tuple(f"MinAtar/{game}-v1" for game in ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders"))


def _make_minatar(env_id: str, **kwargs) -> gymnasium.Env:
    from . import minatar_envs  # imported at the first make: minatar pulls in matplotlib and seaborn

    return minatar_envs.make(env_id, **kwargs)


#: The env that plays MinAtar's five games in turn (:mod:`.switch_envs`): not one of MinAtar's ids.
MINATAR_SWITCH_ID = "MinAtar/Switch-v1"
#: Its episode limit (MinAtar's own ids have none): 4x Freeway's built-in 2,500 steps, past any
#: episode in Young & Tian's curves, yet an end for a Seaquest submarine that never leaves the surface.
MINATAR_SWITCH_MAX_EPISODE_STEPS = 10_000


def game_param(ids: Sequence[str]) -> DynamicsParam:
    """The ``game`` parameter of a :class:`.switch_envs.GameSwitchEnv` over ``ids``, in their order."""
    names = ", ".join(f"{i} {env_id.split('/')[1].rsplit('-', 1)[0]}" for i, env_id in enumerate(ids))
    return DynamicsParam("game", 0.0, 0.0, float(len(ids) - 1),
                         f"the game played from each env's next reset, an integer: {names}; an episode in "
                         f"progress when it changes ends as truncated at its next step", integer=True)


def _make_minatar_switch() -> gymnasium.Env:
    from . import minatar_envs

    return minatar_envs.make_switch()


def minatar_entries() -> list[EnvEntry]:
    """The five MinAtar games, observations C x 10 x 10 float32, optionally all six actions; and
    MinAtar/Switch-v1, the five in turn (10 x 10 x 10, all six actions, ``game`` a dynamics key)."""
    kwargs = (KwargSpec("use_minimal_action_set", "bool",
                        "true (default): the game's own actions; false: all six (no-op, left, up, right, down, "
                        "fire), so that one network can play every game"),)
    return [*(EnvEntry(env_id=env_id, make=functools.partial(_make_minatar, env_id), kwargs=kwargs)
              for env_id in MINATAR_IDS),
            EnvEntry(env_id=MINATAR_SWITCH_ID, make=_make_minatar_switch, dynamics=(game_param(MINATAR_IDS),),
                     max_episode_steps=MINATAR_SWITCH_MAX_EPISODE_STEPS)]


#: The Atari games served (the ``atari`` extra), as in :mod:`.atari_envs`: the five games MinAtar
#: miniaturises, so that atari-switch is minatar-switch at full size, and Pong, the quickest to learn.
ATARI_IDS = tuple(f"ALE/{game}-v5" for game in ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders", "Pong"))
#: The games of ALE/Switch-v5, in the order of its ``game`` parameter.
ATARI_SWITCH_GAMES = ATARI_IDS[:5]
ATARI_SWITCH_ID = "ALE/Switch-v5"
#: The size of each game's minimal action set (ale-py's ROM data), for ListEnvs without loading ROMs.
ATARI_MINIMAL_ACTIONS = {"ALE/Asterix-v5": 9, "ALE/Breakout-v5": 4, "ALE/Freeway-v5": 3, "ALE/Seaquest-v5": 18,
                         "ALE/SpaceInvaders-v5": 6, "ALE/Pong-v5": 6}


def _make_atari(env_id: str, **kwargs) -> gymnasium.Env:
    from . import atari_envs  # imported at the first make: ale-py loads its emulator library

    return atari_envs.make(env_id, **kwargs)


def _make_atari_switch() -> gymnasium.Env:
    from . import atari_envs

    return atari_envs.make_switch()


def atari_entries() -> list[EnvEntry]:
    """ALE/<Game>-v5 with AtariPreprocessing and a stack of 4 (float32 4 x 84 x 84), and ALE/Switch-v5."""
    kwargs = (KwargSpec("full_action_space", "bool",
                        "false (default): the game's own actions; true: all 18 joystick actions, the same in every game"),
              KwargSpec("repeat_action_probability", "float",
                        "probability that the previous action is repeated instead of the one given (sticky actions, "
                        "default 0.25)", min=0.0, max=1.0))
    frames = spaces.Box(0.0, 1.0, shape=(4, 84, 84), dtype=np.float32)
    return [*(EnvEntry(env_id=env_id, make=functools.partial(_make_atari, env_id), kwargs=kwargs,
                       listed_spaces=(frames, spaces.Discrete(ATARI_MINIMAL_ACTIONS[env_id]))) for env_id in ATARI_IDS),
            EnvEntry(env_id=ATARI_SWITCH_ID, make=_make_atari_switch, dynamics=(game_param(ATARI_SWITCH_GAMES),),
                     listed_spaces=(frames, spaces.Discrete(18)))]
