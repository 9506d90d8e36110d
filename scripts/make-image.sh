#!/usr/bin/env bash
# Builds the test image raictl/busybox:latest (about 2 MB) into the dockerd at a socket.
# No registry is needed: the root filesystem is Debian's statically linked busybox
# (package busybox-static) with one symlink per applet in /bin, imported with
# `docker import`. The default command is /bin/sh and PATH is /bin.
#
#   scripts/make-image.sh --socket PATH [--tag NAME:TAG]
#
# Does nothing when the image already exists. busybox wget crashes in this image (static
# glibc cannot load its name-lookup modules), so fetch pages with
# `echo 'GET / HTTP/1.0' | nc -w 5 ADDRESS PORT` instead.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# /usr/local/bin/docker may be a newer client that rejects API 1.41; Debian's matches.
docker_cli=/usr/bin/docker
busybox=/usr/bin/busybox

die() {
  echo "make-image.sh: $*" >&2
  exit 1
}

socket=""
tag="raictl/busybox:latest"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --socket) socket="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'; see scripts/make-image.sh --help" ;;
  esac
done

[[ -n $socket ]] || die "missing --socket PATH (the dockerd API socket); see scripts/make-image.sh --help"
[[ -S $socket ]] || die "no socket at $socket; start a daemon with scripts/dockerd.sh start --dir DIR"

if [[ ! -x $docker_cli || ! -x $busybox ]]; then
  echo "make-image.sh: $docker_cli or $busybox is missing; running scripts/setup.sh" >&2
  "$root/scripts/setup.sh"
fi

docker=("$docker_cli" -H "unix://$socket")

if "${docker[@]}" image inspect "$tag" >/dev/null 2>&1; then
  echo "make-image.sh: $tag already exists"
  exit 0
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/raictl-rootfs-XXXXXX")
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,etc,tmp,root,www}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
# A page for `httpd -f -p 80 -h /www`, so tests can serve something without writing files.
echo 'raictl test page' >"$rootfs/www/index.html"

tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf - . |
  "${docker[@]}" import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$tag" >/dev/null
echo "make-image.sh: built $tag"
