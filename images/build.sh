#!/usr/bin/env bash
# Builds the three runner images (cronium/runner-bash, cronium/runner-python, cronium/runner-node) with the
# repository root as the build context.
#
#   images/build.sh                 on the official slim images (debian:bookworm-slim, python:3.12-slim,
#                                   node:20-slim): needs a registry and network for apt-get
#   images/build.sh --local         first images/build-local-base.sh (skipped when cronium/base:local
#                                   exists), then every runner on cronium/base:local: no network at all
#   images/build.sh --local --force-base   rebuild the local base too
#   images/build.sh --base IMAGE    every runner on IMAGE
#   images/build.sh ... bash node   only these runners (default: bash python node)
#
# Settings (environment): CRONIUM_IMAGE_TAG (default latest), CRONIUM_IMAGE_PREFIX (default cronium),
# CRONIUM_BUILD_ARGS (extra `docker build` arguments, e.g. --no-cache). A second run is fast: the
# layers are cached, and the labels that change per commit come last.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
tag=${CRONIUM_IMAGE_TAG:-latest}
prefix=${CRONIUM_IMAGE_PREFIX:-cronium}
base=''
local_base=0
force_base=0
runners=()

while [ $# -gt 0 ]; do
  case $1 in
    --local) local_base=1 ;;
    --force-base) force_base=1 ;;
    --base) base=${2:?--base needs an image}; shift ;;
    --base=*) base=${1#--base=} ;;
    bash|python|node) runners+=("$1") ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#runners[@]} -gt 0 ] || runners=(bash python node)

say() { printf 'images/build: %s\n' "$*" >&2; }
docker info >/dev/null 2>&1 || { say "no Docker daemon answers (start one with scripts/start-dockerd.sh)"; exit 1; }

if [ "$local_base" -eq 1 ]; then
  local_image=${CRONIUM_BASE_IMAGE:-cronium/base:local}
  if [ "$force_base" -eq 1 ]; then "$here/build-local-base.sh" --force; else "$here/build-local-base.sh"; fi
  base=${base:-$local_image}
fi

version=$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)

# With a local base every RUN step works offline; --network none says so and proves it. Official bases
# need the default network for apt-get.
net=()
[ -n "$base" ] && [ "$local_base" -eq 1 ] && net=(--network none)

# shellcheck disable=SC2206 # CRONIUM_BUILD_ARGS is meant to be split
extra=(${CRONIUM_BUILD_ARGS:-})
total_start=$(date +%s.%N)
for runner in "${runners[@]}"; do
  image="$prefix/runner-$runner:$tag"
  args=(build -f "$here/runner-$runner/Dockerfile" -t "$image"
        --build-arg "VERSION=$version" --build-arg "REVISION=$revision" "${net[@]}" "${extra[@]}")
  [ -n "$base" ] && args+=(--build-arg "BASE_IMAGE=$base")
  previous=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  start=$(date +%s.%N)
  say "building $image${base:+ on $base}"
  log=$(mktemp)
  # The classic builder (BuildKit needs buildx, which Debian's docker.io lacks); its output is shown in
  # full on failure or with CRONIUM_BUILD_VERBOSE=1, else only the steps that ran.
  if ! DOCKER_BUILDKIT=0 docker "${args[@]}" "$root" >"$log" 2>&1; then
    sed "s/^/  [$runner] /" "$log" >&2; rm -f "$log"
    say "FAILED: $image"
    exit 1
  fi
  if [ "${CRONIUM_BUILD_VERBOSE:-0}" = 1 ]; then sed "s/^/  [$runner] /" "$log" >&2
  else
    awk -v r="$runner" '/^Step /{ step=$0 } /^ ---> Using cache/{ cached++ } /^ ---> Running in/{ ran++ }
      /^installing:/{ print "  [" r "] " $0 }
      END{ printf "  [%s] %d steps cached, %d run\n", r, cached, ran }' "$log" >&2
  fi
  rm -f "$log"
  # The image this tag pointed at before (helpers changed): remove it if nothing else uses it, so repeated
  # builds leave no dangling images behind. Its layers stay while a newer image shares them.
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$image")" ] \
     && [ -z "$(docker image inspect --format '{{join .RepoTags ","}}' "$previous" 2>/dev/null)" ]; then
    docker rmi "$previous" >/dev/null 2>&1 || true
  fi
  say "built $image in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')s ($(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
done
say "done in $(awk -v s="$total_start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')s: ${runners[*]/#/$prefix/runner-}"
