#!/usr/bin/env bash
# Makes the image cronium/base:local from Debian packages alone (debootstrap + docker import), for machines
# that cannot pull from a container registry. The runner images build on it with no network at all:
#
#   images/build-local-base.sh                 build it unless it already exists
#   images/build-local-base.sh --force         rebuild it
#   images/build-local-base.sh --print-mirror  say which Debian mirror it would use, and stop
#
# Settings (environment): CRONIUM_BASE_IMAGE (default cronium/base:local), CRONIUM_DEBIAN_SUITE
# (bookworm), CRONIUM_DEBIAN_MIRROR (default: the archive this machine's apt uses for that suite, from
# /etc/apt's sources, so a local mirror or proxy serves the build too; when apt has none, debootstrap's
# own default), CRONIUM_BASE_PACKAGES (extra packages, comma-separated). Needs root (or sudo),
# debootstrap (installed with apt-get when missing) and a Docker daemon (scripts/start-dockerd.sh).
#
# What is in it: Debian minbase plus bash, ca-certificates, curl, jq, tini, python3 (3.11,
# python-is-python3) and nodejs (18.x), i.e. everything the three runners and their helpers need;
# apt lists, caches, docs (copyright files kept), man pages and locales are removed, and dpkg is told
# not to install them again.
set -euo pipefail

image=${CRONIUM_BASE_IMAGE:-cronium/base:local}
suite=${CRONIUM_DEBIAN_SUITE:-bookworm}
apt_dir=${CRONIUM_APT_DIR:-/etc/apt} # where apt's sources are read from (tests point it elsewhere)
packages="bash,ca-certificates,curl,jq,tini,passwd,python3,python-is-python3,nodejs${CRONIUM_BASE_PACKAGES:+,$CRONIUM_BASE_PACKAGES}"
force=0
print_mirror=0

for arg in "$@"; do
  case $arg in
    --force|-f) force=1 ;;
    --print-mirror) print_mirror=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-local-base.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'build-local-base: %s\n' "$*" >&2; }

# The first enabled binary ("deb") source of this machine's apt for $suite: deb822 files (*.sources),
# then one-line ones (sources.list, *.list). Prints nothing when there is none.
apt_mirror() {
  local f
  for f in "$apt_dir"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        types = uris = suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i
          if (sub(/^Types:[ \t]*/, "", line)) types = " " line " "
          else if (sub(/^URIs:[ \t]*/, "", line)) uris = line
          else if (sub(/^Suites:[ \t]*/, "", line)) suites = " " line " "
          else if (sub(/^Enabled:[ \t]*/, "", line)) enabled = tolower(line)
        }
        if (enabled != "no" && types ~ / deb / && index(suites, " " suite " ") && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f" | grep . && return 0
  done
  for f in "$apt_dir"/sources.list "$apt_dir"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f" | grep . && return 0
  done
  return 0
}

mirror=${CRONIUM_DEBIAN_MIRROR:-$(apt_mirror)}
mirror_name=${mirror:-"debootstrap's default mirror"}
if [ "$print_mirror" -eq 1 ]; then
  echo "$mirror_name"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { say "needs root (debootstrap): run it as root or install sudo"; exit 1; }
  exec sudo -n --preserve-env=CRONIUM_BASE_IMAGE,CRONIUM_DEBIAN_SUITE,CRONIUM_DEBIAN_MIRROR,CRONIUM_BASE_PACKAGES,CRONIUM_APT_DIR "$0" "$@"
fi

docker info >/dev/null 2>&1 || { say "no Docker daemon answers (start one with scripts/start-dockerd.sh)"; exit 1; }

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  say "$image already exists ($(docker image inspect --format '{{.Id}}' "$image" | cut -c8-19), created $(docker image inspect --format '{{.Created}}' "$image" | cut -c1-19)); nothing to do (--force rebuilds it)"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2; }
fi

start=$SECONDS
# Not under /tmp: that may be mounted noexec, and debootstrap runs programs inside the tree.
work=$(mktemp -d /var/tmp/cronium-base.XXXXXX)
root=$work/rootfs
cleanup() {
  # debootstrap mounts /proc and /sys inside the tree and may leave them mounted when it fails:
  # unmount anything below the tree before removing it, and never cross into another filesystem.
  local m
  # shellcheck disable=SC2013 # mount points have no spaces here (mktemp names)
  for m in $(awk -v p="$work/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

say "debootstrap --variant=minbase $suite from $mirror_name with $packages"
# With no mirror argument debootstrap uses its own default; either way it writes the image's sources.list.
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
  say "debootstrap failed"
  exit 1
fi
say "debootstrap done in $((SECONDS - start))s ($(du -sh --one-file-system "$root" | cut -f1) before clean-up)"

# Keep it small now and later: the same settings Debian's official images use.
cat > "$root/etc/dpkg/dpkg.cfg.d/cronium-excludes" <<'CFG'
# Set by images/build-local-base.sh: no docs, man pages or translations in container images.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
cat > "$root/etc/apt/apt.conf.d/cronium-clean" <<'CFG'
// Set by images/build-local-base.sh: no package caches or translations in container images.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT::Install-Recommends "false";
CFG

find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
rm -rf "$root"/usr/share/{man,info,groff,lintian,linda}/* \
       "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
       "$root"/var/lib/dpkg/*-old "$root"/var/log/* "$root"/debootstrap "$root"/tmp/* "$root"/var/tmp/* \
       "$root"/root/.cache
find "$root/dev" -mindepth 1 -delete
: > "$root/etc/machine-id"
rm -f "$root/etc/hostname" "$root/etc/resolv.conf"

# shellcheck disable=SC2016 # expanded inside the chroot
versions=$(chroot "$root" sh -c 'printf "bash %s, python3 %s, node %s, curl %s, jq %s, tini %s" \
  "$(bash -c "echo \$BASH_VERSION")" "$(python3 -c "import platform; print(platform.python_version())")" \
  "$(node --version)" "$(curl --version | head -n1 | cut -d" " -f2)" "$(jq --version)" \
  "$(tini --version | cut -d" " -f3)"')
say "contents: $versions"

say "docker import -> $image"
tar --numeric-owner --xattrs -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.title=cronium-base-local" \
  --change "LABEL org.opencontainers.image.description=\"Debian $suite minbase with bash, curl, jq, tini, python3, nodejs (built by images/build-local-base.sh)\"" \
  --change "LABEL org.opencontainers.image.base.name=debian:$suite" \
  --change "LABEL io.cronium.base.contents=\"$versions\"" \
  - "$image" >/dev/null
say "built $image: $(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }') in $((SECONDS - start))s"
