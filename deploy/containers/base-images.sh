#!/usr/bin/env bash
# Base images from Debian's packages, for a machine that reaches Debian's mirror but no image
# registry (docs/deploy.md, "Without an image registry"):
#
#   deploy/containers/base-images.sh [--build]
#
# makes, with the container engine of deploy/containers/engine.sh,
#   localhost/isoplast-base/debian:bookworm-minbase   debootstrap --variant=minbase bookworm, imported
#   localhost/isoplast-base/python:3.11-bookworm      PYTHON_IMAGE of python-env-server/Dockerfile
#   localhost/isoplast-base/jre:17-bookworm           JRE_IMAGE of agent/Dockerfile
# and with --build also MAVEN_IMAGE and NODE_IMAGE of agent/Dockerfile (its default ARTIFACTS=build):
#   localhost/isoplast-base/maven:3.8-jdk17-bookworm, localhost/isoplast-base/node:18-bookworm
# (the stages of deploy/containers/base.Dockerfile). An image that exists is kept: delete it to
# make it again. Prints the build arguments that select them, one per line (NAME=image).
# debootstrap is installed with apt-get when missing; ISOPLAST_DEBIAN_MIRROR (default Debian's
# deb.debian.org) names another mirror.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
die() { echo "isoplast: $*" >&2; exit 1; }
say() { echo "isoplast: $*" >&2; }
# shellcheck source=deploy/containers/engine.sh
source "$ROOT/deploy/containers/engine.sh"

BASE=localhost/isoplast-base
MINBASE="$BASE/debian:bookworm-minbase"
declare -A TAGS=([python]="$BASE/python:3.11-bookworm" [jre]="$BASE/jre:17-bookworm"
                 [maven]="$BASE/maven:3.8-jdk17-bookworm" [node]="$BASE/node:18-bookworm")
declare -A ARGS=([python]=PYTHON_IMAGE [jre]=JRE_IMAGE [maven]=MAVEN_IMAGE [node]=NODE_IMAGE)
stages=(python jre)
case "${1:-}" in
  "") ;;
  --build) stages+=(maven node) ;;
  *) echo "usage: deploy/containers/base-images.sh [--build]" >&2; exit 2 ;;
esac

[[ -n "${ENGINE:-}" ]] || pick_engine
have() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

if ! have "$MINBASE"; then
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/isoplast-minbase.XXXXXX")"
  trap 'as_root rm -rf "$rootfs"' EXIT
  log="$ROOT/.isoplast/logs/debootstrap.log"
  mkdir -p "$(dirname "$log")"
  say "making $MINBASE (debootstrap --variant=minbase bookworm, log in .isoplast/logs/)"
  as_root debootstrap --variant=minbase bookworm "$rootfs" "${ISOPLAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$log" 2>&1 \
    || die "debootstrap failed (is a Debian mirror reachable?); see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
  # what a slim image leaves out: downloaded packages, package lists, documentation, translations
  # (dpkg keeps leaving them out for what the images install later), as Debian's own images do
  as_root sh -c "rm -rf '$rootfs'/var/cache/apt/archives/*.deb '$rootfs'/var/lib/apt/lists/* \
    '$rootfs'/usr/share/doc/* '$rootfs'/usr/share/info/* '$rootfs'/usr/share/locale/* '$rootfs'/usr/share/man/* \
    && printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
         'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
       > '$rootfs'/etc/dpkg/dpkg.cfg.d/isoplast-slim"
  as_root tar -C "$rootfs" -c . | "$ENGINE" import --change 'CMD ["/bin/bash"]' - "$MINBASE" >/dev/null 2>>"$log" \
    || die "$ENGINE import of the debootstrap tree failed"
fi
engine_settle "$MINBASE"

for s in "${stages[@]}"; do
  if ! have "${TAGS[$s]}"; then
    say "making ${TAGS[$s]} (stage $s of deploy/containers/base.Dockerfile: Debian's packages, log in .isoplast/logs/)"
    log="$ROOT/.isoplast/logs/base-image-$s.log"
    mkdir -p "$(dirname "$log")"
    "$ENGINE" build -f "$ROOT/deploy/containers/base.Dockerfile" --target "$s" \
      --build-arg "DEBIAN_IMAGE=$MINBASE" -t "${TAGS[$s]}" "$ROOT/deploy/containers" >"$log" 2>&1 \
      || die "building the $s base image failed; see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
  echo "${ARGS[$s]}=${TAGS[$s]}"
done
