# shellcheck shell=bash
# Sourced by deploy/containers/base-images.sh and deploy/containers/test.sh: picks the container
# engine and its compose, and installs them when neither engine is there.
#
#   ENGINE       docker when a Docker daemon answers, else podman (Debian's podman, installed with
#                apt-get when missing, as root or through passwordless sudo)
#   COMPOSE      the compose command as an array: `docker compose`, or podman-compose (installed
#                with pip into the checkout's .venv at the version pinned below when missing)
#   engine_settle IMAGE   runs IMAGE once and, where podman's defaults fail on this host, points
#                CONTAINERS_CONF at deploy/containers/containers.conf (runc, cgroupfs, ulimits)
#
# Set ISOPLAST_ENGINE=docker|podman to choose. Needs ROOT (the checkout) and die/say from the caller.

PODMAN_COMPOSE_PIP="podman-compose==1.6.0"
# podman with runc (crun refuses hybrid cgroups), the CNI plugins with DNS (a compose service name
# resolves to its replicas), iptables for their port rules
PODMAN_APT=(podman runc containernetworking-plugins golang-github-containernetworking-plugin-dnsname iptables)

as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    env DEBIAN_FRONTEND=noninteractive "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
  else
    die "'$*' needs root: run it with sudo, or run this as root"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "$1 is needed and this is no Debian/Ubuntu machine: install $1 by hand"
  local log="$ROOT/.isoplast/logs/apt-containers.log"
  mkdir -p "$(dirname "$log")"
  say "installing ${*} (apt-get, log in .isoplast/logs/)"
  { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "$@"; } >>"$log" 2>&1 \
    || die "apt-get could not install $* (is a Debian mirror reachable?); see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
}

pick_engine() {
  local want="${ISOPLAST_ENGINE:-}"
  case "$want" in
    ""|docker|podman) ;;
    *) echo "isoplast: ISOPLAST_ENGINE must be docker or podman, not '$want'" >&2; exit 2 ;;
  esac
  if [[ "$want" == docker || ( -z "$want" ) ]] && command -v docker >/dev/null 2>&1 \
      && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    ENGINE=docker
    COMPOSE=(docker compose)
    return
  fi
  [[ "$want" == docker ]] && die "ISOPLAST_ENGINE=docker, but no Docker daemon with 'docker compose' answers"
  command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || apt_install "${PODMAN_APT[@]}"
  ENGINE=podman
  local pc="$ROOT/.venv/bin/podman-compose"
  local shown
  shown="$("$ROOT/.venv/bin/python" -m pip show podman-compose 2>/dev/null || true)"
  if [[ ! -x "$pc" || "$shown" != *"Version: ${PODMAN_COMPOSE_PIP#*==}"* ]]; then
    say "installing $PODMAN_COMPOSE_PIP into .venv (pip)"
    "$ROOT/.venv/bin/python" -m pip install -q "$PODMAN_COMPOSE_PIP" || die "pip could not install $PODMAN_COMPOSE_PIP"
  fi
  COMPOSE=("$pc")
}

engine_settle() {
  local image="$1" err
  [[ "$ENGINE" == podman ]] || return 0
  err="$(podman run --rm --network none "$image" true 2>&1)" && return 0
  export CONTAINERS_CONF="$ROOT/deploy/containers/containers.conf"
  say "podman's defaults fail here ($(tail -n 1 <<<"$err")); using CONTAINERS_CONF=deploy/containers/containers.conf (runc, cgroupfs, ulimits 4096)"
  err="$(podman run --rm --network none "$image" true 2>&1)" \
    || die "podman cannot run a container here, even with deploy/containers/containers.conf: $(tail -n 1 <<<"$err")"
}
