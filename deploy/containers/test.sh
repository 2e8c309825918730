#!/usr/bin/env bash
# The container test (docs/deploy.md, "The container test"): both images built and started by a
# real container engine, the compose deployment scaled to two env servers, a small sweep through
# them, and its report compared with the same sweep run outside containers. `./isoplast test`
# runs it after the Maven and pytest suites (it needs the jar and .venv of `./isoplast setup`).
#
#   deploy/containers/test.sh
#
# 1. Base images: the official ones (python:…, eclipse-temurin:…) where the engine already has
#    them or ISOPLAST_BASE_IMAGES=official (pulled), else made from Debian's packages by
#    deploy/containers/base-images.sh and kept for the next run.
# 2. Builds isoplast/env-server:container-test-PID and isoplast/trainer:container-test-PID, the trainer
#    from the jar and MNIST cache `./isoplast setup` built (ARTIFACTS=checkout), with the
#    machine's CA bundle as the optional build secret `ca` (ISOPLAST_BUILD_CA names another file).
# 3. `compose up --scale env-server=2` of docker-compose.yml (a fresh token as its secret file)
#    and waits until both health checks pass.
# 4. Checks the images: the env server runs as non-root (image and live process); a container
#    started without the token file refuses (exit 2, naming the file); the trainer holds a JRE and the
#    jar but no Maven, Python or Node.js.
# 5. A small sweep (PPO on cartpole-permute, adam and adamo, 2 x 1,024 steps, 2 workers) in the
#    trainer container over env-server:50051, whose report (report --markdown) lands in the
#    mounted runs/ (runs/container-test-PID); both env servers must have served a cell. The same
#    sweep outside containers (./isoplast, an embedded server) must give an equal table, and equal
#    metrics row for row.
# 6. compose down; removes the containers, the network, the two images, the run directories and
#    the token. Kept for the next run: the base images and the engine's build cache.
#
# Prints how long each step took and the images' sizes. Exit 1 on a failure (what and where in
# one line), 2 on bad configuration.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
STEP=setup
die() { echo "isoplast: container test FAILED at '$STEP': $*" >&2; exit 1; }
say() { echo "isoplast: container test: $*" >&2; }
# shellcheck source=deploy/containers/engine.sh
source "$ROOT/deploy/containers/engine.sh"

[[ -f agent/target/isoplast.jar && -f .isoplast/data/mnist-10k.bin && -x .venv/bin/python ]] \
  || { echo "isoplast: the container test needs ./isoplast setup first (the jar, the MNIST cache, .venv)" >&2; exit 2; }

# every name carries the process id, so two runs on one machine (two checkouts) keep apart
TAG="container-test-$$"
PROJECT="isoplast-container-test-$$"
ENV_IMAGE="isoplast/env-server:$TAG"
TRAINER_IMAGE="isoplast/trainer:$TAG"
RUN_NAME="$TAG"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/isoplast-container-test.XXXXXX")"
# a tiny sweep: two cells (adam, adamo), two phases of 1,024 steps, two workers (one per server)
SWEEP=(sweep --scenario cartpole-permute --algo ppo --methods adam,adamo --seeds 1 --phase-steps 1024
       --repeat 1 --workers 2 --set num_steps=64 --monitors none --no-progress)

ENGINE=""
COMPOSE=()
declare -a TIMES=()
T0=$SECONDS
lap() { TIMES+=("$1 $((SECONDS - T0)) s"); T0=$SECONDS; }

pick_engine
export ISOPLAST_IMAGE_TAG="$TAG" ISOPLAST_ENV_TOKEN_SECRET="$WORK/env-token"
compose() { "${COMPOSE[@]}" -p "$PROJECT" -f "$ROOT/docker-compose.yml" "$@"; }

cleanup() {
  local rc=$?
  STEP=cleanup
  if [[ -n "$ENGINE" ]]; then
    compose down --remove-orphans -t 5 >"$WORK/cleanup-down.log" 2>&1 \
      || echo "isoplast: compose down failed: $(tail -n 2 "$WORK/cleanup-down.log")" >&2
    # what compose down leaves when a run was cut short: podman-compose's network and pod
    "$ENGINE" network rm "${PROJECT}_default" >/dev/null 2>&1 || true
    [[ "$ENGINE" != podman ]] || podman pod rm -f "pod_$PROJECT" >/dev/null 2>&1 || true
    "$ENGINE" rmi "$ENV_IMAGE" "$TRAINER_IMAGE" >/dev/null 2>&1 || true
  fi
  rm -rf "$ROOT/runs/$RUN_NAME"
  if [[ "$rc" == 0 ]]; then
    rm -rf "$WORK"
  else
    echo "isoplast: the container test's logs are in $WORK" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

# ---- 1. base images
STEP="base images"
official_py="$(sed -n 's/^ARG PYTHON_IMAGE=//p' python-env-server/Dockerfile)"
official_jre="$(sed -n 's/^ARG JRE_IMAGE=//p' agent/Dockerfile)"
BUILD_ARGS=()
SETTLE_IMAGE="$official_py"
case "${ISOPLAST_BASE_IMAGES:-auto}" in
  official) ;;
  debian) BUILD_ARGS=(auto) ;;
  auto) "$ENGINE" image inspect "$official_py" "$official_jre" >/dev/null 2>&1 || BUILD_ARGS=(auto) ;;
  *) echo "isoplast: ISOPLAST_BASE_IMAGES must be auto, official or debian, not '$ISOPLAST_BASE_IMAGES'" >&2; exit 2 ;;
esac
if [[ "${BUILD_ARGS[*]}" == auto ]]; then
  BUILD_ARGS=()
  while IFS= read -r a; do BUILD_ARGS+=(--build-arg "$a"); done < <(ENGINE="$ENGINE" COMPOSE="" deploy/containers/base-images.sh)
  [[ ${#BUILD_ARGS[@]} == 4 ]] || die "base-images.sh printed no build arguments"
  say "base images from Debian's packages: ${BUILD_ARGS[*]}"
  SETTLE_IMAGE=localhost/isoplast-base/debian:bookworm-minbase
else
  "$ENGINE" pull -q "$official_py" >/dev/null && "$ENGINE" pull -q "$official_jre" >/dev/null \
    || die "could not pull $official_py and $official_jre (ISOPLAST_BASE_IMAGES=debian makes them from Debian's packages)"
fi
# whether podman needs this host's settings (base-images.sh decided it for itself, in its own process)
engine_settle "$SETTLE_IMAGE"
lap "base images"

# ---- 2. builds
STEP="image builds"
SECRET=()
ca="${ISOPLAST_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}"
[[ -s "$ca" ]] && SECRET=(--secret "id=ca,src=$ca")
build() {
  local dockerfile="$1" tag="$2"; shift 2
  local log="$WORK/build-$(basename "$(dirname "$dockerfile")").log"
  local ignore=()
  # podman 4 reads only the context's .dockerignore unless told; BuildKit finds the Dockerfile's own
  [[ "$ENGINE" == podman ]] && ignore=(--ignorefile "$dockerfile.dockerignore")
  "$ENGINE" build -f "$dockerfile" "${ignore[@]}" -t "$tag" "${SECRET[@]}" "${BUILD_ARGS[@]}" "$@" . >"$log" 2>&1 \
    || die "building $tag from $dockerfile failed: $(tail -n 5 "$log" | tr '\n' ' ')"
}
build python-env-server/Dockerfile "$ENV_IMAGE"
lap "env-server build"
build agent/Dockerfile "$TRAINER_IMAGE" --build-arg ARTIFACTS=checkout
lap "trainer build"

# ---- 3. compose up, two env servers, health checks
STEP="compose up"
python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$WORK/env-token"
chmod 0644 "$WORK/env-token"   # read by the images' user 10001 (podman-compose mounts the file itself)
compose up -d --scale env-server=2 env-server >"$WORK/up.log" 2>&1 || die "$(tail -n 5 "$WORK/up.log" | tr '\n' ' ')"
mapfile -t SERVERS < <("$ENGINE" ps --filter "label=com.docker.compose.project=$PROJECT" \
  --filter "label=com.docker.compose.service=env-server" --format '{{.Names}}' | sort)
[[ ${#SERVERS[@]} == 2 ]] || die "expected 2 env-server containers, found ${#SERVERS[@]}: ${SERVERS[*]}"
healthy() {
  if [[ "$ENGINE" == podman ]]; then
    # podman runs health checks from systemd timers, which a machine without systemd lacks: run
    # the image's check (the compose healthcheck) on demand; it exits 0 once the server serves
    podman healthcheck run "$1" >/dev/null 2>&1
  else
    [[ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" == healthy ]]
  fi
}
for c in "${SERVERS[@]}"; do
  for ((i = 0; ; i++)); do
    healthy "$c" && break
    ((i < 120)) || die "$c not healthy after 120 s: $("$ENGINE" logs --tail 5 "$c" 2>&1 | tr '\n' ' ')"
    sleep 1
  done
done
lap "compose up + health"

# ---- 4. the images
STEP="image checks"
for c in "${SERVERS[@]}"; do
  uid="$("$ENGINE" exec "$c" id -u)"
  [[ "$uid" == 10001 ]] || die "env server $c runs as uid $uid, not the image's 10001"
done
[[ "$("$ENGINE" image inspect -f '{{.Config.User}}' "$ENV_IMAGE")" == 10001:10001 ]] || die "$ENV_IMAGE's user is not 10001:10001"
set +e
out="$("$ENGINE" run --rm "$ENV_IMAGE" 2>&1)"
rc=$?
set -e
# (argparse prints its usage first; the last line says why)
[[ "$rc" == 2 && "$(tail -n 1 <<<"$out")" == *"cannot read --token-file /run/secrets/env_token"* ]] \
  || die "an env server without its token file should refuse (exit 2, naming the file); got exit $rc: $(tail -n 1 <<<"$out")"
missing="$("$ENGINE" run --rm --entrypoint sh "$TRAINER_IMAGE" -c \
  'java -version >/dev/null 2>&1 || echo java; for t in mvn python3 python node npm; do command -v $t; done; true')"
[[ -z "$missing" ]] || die "the trainer image should hold a JRE and no build tools; found or missing: $missing"
lap "image checks"

# ---- 5. the sweep in the trainer container, its report into runs/, and the same sweep outside
STEP="sweep in containers"
# the trainer runs as compose's ISOPLAST_UID: the caller, or as root the images' own user 10001
mkdir -p "runs/$RUN_NAME"
if [[ "$(id -u)" == 0 ]]; then
  export ISOPLAST_UID=10001 ISOPLAST_GID=10001
  chown 10001:10001 "runs/$RUN_NAME"
else
  export ISOPLAST_UID="$(id -u)" ISOPLAST_GID="$(id -g)"
fi
compose run --rm --no-deps -T trainer "${SWEEP[@]}" --env-server env-server:50051 --run-dir "/runs/$RUN_NAME/sweep" \
  >"$WORK/sweep.log" 2>&1 || die "$(tail -n 5 "$WORK/sweep.log" | tr '\n' ' ')"
compose run --rm --no-deps -T trainer report "/runs/$RUN_NAME/sweep" --markdown \
  >"$WORK/report.log" 2>&1 || die "$(tail -n 5 "$WORK/report.log" | tr '\n' ' ')"
[[ -s "runs/$RUN_NAME/sweep/results.md" && -s "runs/$RUN_NAME/sweep/report.html" ]] \
  || die "the report is not in the mounted runs/$RUN_NAME/sweep"
# every cell's config.yaml names the servers it used: both replicas must have served
mapfile -t USED < <(grep -h '^env_server:' "runs/$RUN_NAME"/sweep/*/config.yaml | sort -u)
[[ ${#USED[@]} == 2 ]] || die "the two cells should have used the two env servers, used: ${USED[*]}"
lap "sweep in containers"

STEP="sweep outside"
./isoplast "${SWEEP[@]}" --run-dir "$WORK/outside" >"$WORK/outside.log" 2>&1 \
  || die "$(tail -n 5 "$WORK/outside.log" | tr '\n' ' ')"
./isoplast report "$WORK/outside" --markdown >"$WORK/outside-report.log" 2>&1 \
  || die "$(tail -n 5 "$WORK/outside-report.log" | tr '\n' ' ')"
# the tables: results.md's table rows (the lines that name the sweep directory differ)
table() { grep '^|' "$1"; }
diff <(table "runs/$RUN_NAME/sweep/results.md") <(table "$WORK/outside/results.md") >"$WORK/table.diff" \
  || die "the container sweep's table differs from the same sweep outside containers: $(head -n 6 "$WORK/table.diff" | tr '\n' ' ')"
[[ "$(table "$WORK/outside/results.md" | wc -l)" -ge 4 ]] || die "results.md has no table to compare"
# and beneath the table every cell's metrics, row for row, clock fields aside (as ScaleOutTest does)
.venv/bin/python - "runs/$RUN_NAME/sweep" "$WORK/outside" >"$WORK/metrics.diff" 2>&1 <<'PY' || die "$(tail -n 3 "$WORK/metrics.diff" | tr '\n' ' ')"
import json, pathlib, sys
CLOCK = {"charts/SPS", "monitors/ms", "sps", "wall_s", "monitor_s"}
inside, outside = (pathlib.Path(a) for a in sys.argv[1:])
def rows(cell):
    return [{k: v for k, v in json.loads(line).items() if k not in CLOCK}
            for line in (cell / "metrics.jsonl").read_text().splitlines()]
cells = sorted(p.parent.name for p in outside.glob("*/metrics.jsonl"))
assert len(cells) == 2, f"expected 2 cells outside containers, found {cells}"
for cell in cells:
    a, b = rows(inside / cell), rows(outside / cell)
    assert any("losses/value_loss" in r for r in a), f"{cell}: no update rows in the container run"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{cell} metrics.jsonl row {i + 1} differs: container {x} != outside {y}"
    assert len(a) == len(b), f"{cell}: {len(a)} metric rows in the container run, {len(b)} outside"
PY
lap "sweep outside + compare"

# ---- 6. down (the trap), figures
STEP="compose down"
compose down --remove-orphans -t 5 >"$WORK/down.log" 2>&1 || die "$(tail -n 3 "$WORK/down.log" | tr '\n' ' ')"
left="$("$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}')"
[[ -z "$left" ]] || die "containers left after compose down: $left"
lap "compose down"

size() { "$ENGINE" image inspect -f '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1 / 1e6}'; }
say "engine $ENGINE ($("$ENGINE" --version | head -n 1)); images: env-server $(size "$ENV_IMAGE"), trainer $(size "$TRAINER_IMAGE")"
say "times: $(IFS=','; echo "${TIMES[*]}" | sed 's/,/, /g')"
say "the sweep's table (2 env servers in containers = outside containers):"
table "$WORK/outside/results.md" >&2
say "passed"
