#!/usr/bin/env bash
# Fetches and builds the Linux test guest: Debian's stock arm64 kernel, an initramfs around
# Debian's busybox-static, and a small ext4 disk image. Needs no root and changes nothing on the
# host: apt runs with its own state directory inside the cache, so neither `dpkg --add-architecture`
# nor a system `apt-get update` is needed, and host tools that are missing (cpio, mkfs.ext4) are
# downloaded as .debs and run from the cache.
#
#   scripts/linux-guest.sh [--refresh] [--cache DIR]
#
# Prints, on stdout, one NAME=VALUE line per artifact (KERNEL, INITRD, DISK, RELEASE, VERSION,
# MODULES) and writes the same lines to DIR/guest.env. Everything else goes to stderr. A second
# run with everything cached does no network access and finishes in well under a second.
# Exit status 3 means the packages cannot be downloaded here (no apt, no network): callers such
# as the tests treat that as "skip", not as failure.
#
# The cache directory is --cache, else $CAPTIVE_LINUX_CACHE, else ~/.cache/captive/linux-guest.
# --refresh asks apt again which kernel linux-image-arm64 depends on (a new Debian point release).
# docs/linux.md describes the guest and its /init.
set -euo pipefail

script_path=$(readlink -f "$0")
cache=${CAPTIVE_LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/captive/linux-guest}
refresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --refresh) refresh=1 ;;
    --cache) cache=$2; shift ;;
    -h|--help) sed -n '2,19p' "$script_path" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "linux-guest: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$cache"
cache=$(readlink -f "$cache")
debs=$cache/debs
mkdir -p "$debs"
log() { echo "linux-guest: $*" >&2; }

# The modules /init loads, by module name; their dependencies are added from each module's
# .modinfo. crc32c_generic is ext4's and jbd2's soft dependency ("crypto-crc32c"), which
# `depends=` does not list. Everything here is =m in Debian's arm64 config (virtio itself is =y).
wanted_modules=(virtio_mmio virtio_blk virtio_net virtio_console virtio-rng crc32c_generic ext4)

# --- apt, privately -------------------------------------------------------------------------
# Our own lists and archive cache under $cache/apt, the host's sources, an empty dpkg status (so
# nothing installed on the host matters), and both architectures: arm64 for the guest, amd64 for
# host tools that may be missing.
apt_dir=$cache/apt
apt_opts=(
  -o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Architecture=amd64" -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)" -o "Acquire::Languages=none"
  -o "APT::Get::List-Cleanup=0" -q
)
apt_ready=0
apt_prepare() {
  [ $apt_ready = 1 ] && return 0
  command -v apt-get >/dev/null || { log "apt-get is not available: cannot download the guest"; exit 3; }
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
  touch "$apt_dir/status"
  log "apt-get update (private lists in $apt_dir)"
  if ! apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
    cat "$apt_dir/update.log" >&2
    log "apt-get update failed: cannot download the guest"; exit 3
  fi
  apt_ready=1
}

# Downloads package $1 (name[:arch]) into $debs unless a .deb of it is already there (or --refresh);
# sets $deb to its path. Not run in a subshell, so that apt-get update happens once per run.
cached_deb() { ls "$debs/${1}_"*"_${2}.deb" "$debs/${1}_"*"_all.deb" 2>/dev/null | sort -V | tail -n1 || true; }
fetch_deb() {
  local pkg=$1 name arch
  name=${pkg%%:*}; arch=${pkg#*:}; [ "$arch" = "$pkg" ] && arch=amd64
  deb=$(cached_deb "$name" "$arch")
  if [ -n "$deb" ] && [ $refresh = 0 ]; then return; fi
  apt_prepare
  log "apt-get download $pkg"
  (cd "$debs" && apt-get "${apt_opts[@]}" download "$pkg" >&2) || { log "cannot download $pkg"; exit 3; }
  deb=$(cached_deb "$name" "$arch")
  [ -n "$deb" ] || { log "apt-get download $pkg left no .deb in $debs"; exit 1; }
}

# --- the kernel package ---------------------------------------------------------------------
# linux-image-arm64 is a metapackage that depends on exactly one versioned kernel package.
kernel_pkg_file=$cache/kernel-package
if [ $refresh = 1 ] || [ ! -s "$kernel_pkg_file" ]; then
  fetch_deb linux-image-arm64:arm64
  meta=$deb
  kernel_pkg=$(dpkg-deb -f "$meta" Depends | tr ',|' '\n\n' | sed 's/[ (].*//; s/^ *//' | grep '^linux-image-[0-9]' | head -n1)
  [ -n "$kernel_pkg" ] || { log "cannot find the kernel package in $(basename "$meta")'s Depends"; exit 1; }
  echo "$kernel_pkg" >"$kernel_pkg_file"
fi
kernel_pkg=$(cat "$kernel_pkg_file")
fetch_deb "$kernel_pkg:arm64"; kernel_deb=$deb
fetch_deb busybox-static:arm64; busybox_deb=$deb

# --- host tools -----------------------------------------------------------------------------
# A tool missing on the host is taken from its amd64 .deb, extracted under $cache/tools.
tools=$cache/tools
host_tool() {   # host_tool NAME PACKAGE...: sets $tool to the command that runs NAME
  local name=$1 d p; shift
  tool=$(command -v "$name" || true); [ -n "$tool" ] && return
  for d in /sbin /usr/sbin; do [ -x "$d/$name" ] && { tool=$d/$name; return; }; done
  for p in "$@"; do
    if [ ! -e "$tools/.$p" ]; then
      fetch_deb "$p:amd64"
      dpkg-deb -x "$deb" "$tools" && touch "$tools/.$p"
    fi
  done
  for d in bin sbin usr/bin usr/sbin; do [ -x "$tools/$d/$name" ] && { tool=$tools/$d/$name; return; }; done
  log "cannot find $name in $*"; exit 1
}
with_tool_libs() { LD_LIBRARY_PATH="$tools/lib/x86_64-linux-gnu:$tools/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }

# --- build, unless the stamp says the outputs match these inputs ------------------------------
stamp_want=$( { sha256sum "$script_path" | cut -d' ' -f1; basename "$kernel_deb"; basename "$busybox_deb"; } | tr '\n' ' ')
out_kernel=$cache/Image
out_initrd=$cache/initrd.cpio.gz
out_disk=$cache/disk.img
if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp_want" ] || [ ! -s "$out_kernel" ] || [ ! -s "$out_initrd" ] || [ ! -s "$out_disk" ]; then
  host_tool cpio cpio; cpio=$tool
  host_tool mkfs.ext4 e2fsprogs libext2fs2 libss2; mkfs=$tool
  work=$cache/work
  rm -rf "$work"; mkdir -p "$work"
  log "extracting $(basename "$kernel_deb")"
  dpkg-deb -x "$kernel_deb" "$work/kernel"
  dpkg-deb -x "$busybox_deb" "$work/busybox"
  release=$(ls "$work/kernel/lib/modules")
  version=$(dpkg-deb -f "$kernel_deb" Version)
  moddir=$work/kernel/lib/modules/$release
  cp "$work/kernel/boot/vmlinuz-$release" "$out_kernel.tmp"   # a plain (uncompressed) arm64 Image

  # Module name -> file, with '-' and '_' equivalent as the kernel treats them.
  declare -A module_path=()
  while IFS= read -r f; do
    n=$(basename "$f" .ko); module_path[${n//-/_}]=${f#"$moddir/"}
  done < <(find "$moddir/kernel" -name '*.ko')
  # Depth-first over depends=: a module's dependencies come before it in the load order.
  declare -A visited=()
  order=()
  visit() {
    local key=${1//-/_} dep
    [ -n "${visited[$key]:-}" ] && return 0
    visited[$key]=1
    local path=${module_path[$key]:-}
    [ -n "$path" ] || { log "module $1 is not in $kernel_pkg (built in?)"; return 0; }
    for dep in $(tr '\0' '\n' <"$moddir/$path" | sed -n 's/^depends=//p' | tr ',' ' '); do visit "$dep"; done
    order+=("$path")
  }
  for m in "${wanted_modules[@]}"; do visit "$m"; done

  root=$work/initramfs
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,mnt,tmp,root,etc,"lib/modules/$release"}
  cp "$work/busybox/bin/busybox" "$root/bin/busybox"
  for p in "${order[@]}"; do
    mkdir -p "$root/lib/modules/$release/$(dirname "$p")"
    cp "$moddir/$p" "$root/lib/modules/$release/$p"
  done
  printf '%s\n' "${order[@]}" >"$root/lib/modules/$release/captive-load-order"
  # modules.dep for busybox modprobe at the shell: each module with all its dependencies,
  # transitively, as depmod writes it.
  closure() {   # closure PATH: the dependencies of PATH, nearest first
    local d
    for d in $(tr '\0' '\n' <"$moddir/$1" | sed -n 's/^depends=//p' | tr ',' ' '); do
      d=${module_path[${d//-/_}]:-}
      if [ -n "$d" ]; then echo "$d"; closure "$d"; fi
    done
  }
  for p in "${order[@]}"; do
    echo "$p:$(closure "$p" | awk '!seen[$0]++ { printf " %s", $0 }')"
  done >"$root/lib/modules/$release/modules.dep"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# /init of captive's Linux test guest, built by scripts/linux-guest.sh; docs/linux.md has the contract.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev || echo "captive-init: devtmpfs mount failed"
release=$(uname -r)
loaded=0 failed=""
while read -r m; do
  if insmod "/lib/modules/$release/$m"; then loaded=$((loaded + 1)); else failed="$failed ${m##*/}"; fi
done <"/lib/modules/$release/captive-load-order"
echo "captive-init: modules loaded: $loaded${failed:+, failed:$failed}"
[ -b /dev/vda ] && { mount -t ext4 -o ro /dev/vda /mnt && echo "captive-init: /dev/vda mounted on /mnt"; }
# captive.cmd64=BASE64 is exact; captive.cmd="a command" or captive.cmd=word is for typing by hand.
cmdline=$(cat /proc/cmdline)
cmd=""
for w in $cmdline; do
  case "$w" in captive.cmd64=*) cmd=$(echo "${w#captive.cmd64=}" | base64 -d) ;; esac
done
if [ -z "$cmd" ]; then
  cmd=$(echo "$cmdline" | sed -n 's/.*captive\.cmd="\([^"]*\)".*/\1/p')
  [ -n "$cmd" ] || cmd=$(echo "$cmdline" | sed -n 's/.*captive\.cmd=\([^" ][^ ]*\).*/\1/p')
fi
echo "CAPTIVE-INIT-READY"
if [ -n "$cmd" ]; then
  sh -c "$cmd"
  echo "CAPTIVE-CMD-EXIT $?"
else
  # cttyhack gives the shell the console as its controlling terminal: job control and Ctrl-C work.
  setsid cttyhack sh -l
fi
sync
poweroff -f
INIT
  chmod 755 "$root/init"
  log "initramfs: busybox + ${#order[@]} modules: ${order[*]##*/}"
  find "$root" -exec touch -h -d @0 {} +   # with cpio --reproducible and gzip -n: the same bytes on every machine
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "$cpio" --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$out_initrd.tmp"

  # The disk: a file whose content the tests know, readable once virtio-blk and ext4 work.
  disk_root=$work/disk
  mkdir -p "$disk_root"
  echo "captive ext4 disk for $release" >"$disk_root/hello.txt"
  rm -f "$out_disk.tmp"
  with_tool_libs "$mkfs" -q -F -t ext4 -L captive -E root_owner=0:0 -d "$disk_root" "$out_disk.tmp" 16M >&2

  mv "$out_kernel.tmp" "$out_kernel"; mv "$out_initrd.tmp" "$out_initrd"; mv "$out_disk.tmp" "$out_disk"
  {
    echo "KERNEL=$out_kernel"; echo "INITRD=$out_initrd"; echo "DISK=$out_disk"
    echo "RELEASE=$release"; echo "VERSION=$version"; echo "MODULES=${#order[@]}"
  } >"$cache/guest.env"
  rm -rf "$work"
  echo "$stamp_want" >"$cache/stamp"
  log "built in $cache"
fi
cat "$cache/guest.env"
