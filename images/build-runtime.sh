#!/usr/bin/env bash
# Builds the runtime API image (the root Dockerfile) as cronium/runtime:latest.
#
#   images/build-runtime.sh             online: the Dockerfile's default target (dotnet/sdk:10.0 -> dotnet/aspnet:10.0)
#   images/build-runtime.sh --local     offline: images/build-local-base.sh (skipped when the image exists), then
#                                       `dotnet publish -r linux-x64 -p:PublishAot=true` (a native runtime, no JIT:
#                                       about half the memory) into artifacts/runtime-image, then
#                                       `docker build --network none --target prebuilt` on cronium/base:local
#   images/build-runtime.sh --local --no-publish   reuse artifacts/runtime-image as it is
#
# Settings (environment): CRONIUM_RUNTIME_IMAGE (default cronium/runtime:latest), CRONIUM_BASE_IMAGE
# (default cronium/base:local), CRONIUM_RUNTIME_RID (default linux-x64).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
image=${CRONIUM_RUNTIME_IMAGE:-cronium/runtime:latest}
base_image=${CRONIUM_BASE_IMAGE:-cronium/base:local}
rid=${CRONIUM_RUNTIME_RID:-linux-x64}
local_base=0
publish=1

for arg in "$@"; do
  case $arg in
    --local) local_base=1 ;;
    --no-publish) publish=0 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-runtime.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'images/build-runtime: %s\n' "$*" >&2; }
docker info >/dev/null 2>&1 || { say "no Docker daemon answers (start one with scripts/start-dockerd.sh)"; exit 1; }

version=$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
args=(build -t "$image" --build-arg "VERSION=$version" --build-arg "REVISION=$revision")
start=$SECONDS

if [ "$local_base" -eq 1 ]; then
  "$here/build-local-base.sh"
  out=$root/artifacts/runtime-image
  if [ "$publish" -eq 1 ]; then
    say "dotnet publish src/Cronium.Runtime -r $rid -p:PublishAot=true -> artifacts/runtime-image"
    rm -rf "$out"
    dotnet publish "$root/src/Cronium.Runtime" -c Release -r "$rid" -p:PublishAot=true -o "$out" --nologo -v q >&2
  fi
  [ -x "$out/Cronium.Runtime" ] || { say "$out/Cronium.Runtime is missing (publish it, or drop --no-publish)"; exit 1; }
  args+=(--network none --target prebuilt --build-arg "RUNTIME_BASE=$base_image")
fi

previous=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
say "docker ${args[*]} $root"
log=$(mktemp)
if ! DOCKER_BUILDKIT=0 docker "${args[@]}" "$root" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  say "FAILED: $image"
  exit 1
fi
grep -E '^(prebuilt:|WARNING)' "$log" >&2 || true
rm -f "$log"
# The image the tag pointed at before: removed when nothing else uses it (no dangling images left behind).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$image")" ] \
   && [ -z "$(docker image inspect --format '{{join .RepoTags ","}}' "$previous" 2>/dev/null)" ]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi
say "built $image in $((SECONDS - start))s ($(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
