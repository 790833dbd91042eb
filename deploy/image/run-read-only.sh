#!/bin/sh
# Runs a command inside a mounted image root the way the chart runs the pod: read-only root
# filesystem, writable tmpfs on /tmp and /data only, as the image's user, in its working
# directory. Called by buildah.ts inside `unshare --mount`, so the mounts vanish with it; the
# command is `env -i NAME=VALUE… program args…`, so nothing of the host's environment gets in.
#   run-read-only.sh ROOT USER WORKDIR COMMAND ARGS...
set -eu
root=$1 user=$2 workdir=$3
shift 3
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc proc "$root/proc"
# 64 MiB: the chart's tmpSizeLimit. /data stands in for the PersistentVolumeClaim.
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o size=64m,mode=0750 tmpfs "$root/data"
chown "$user" "$root/data"
exec chroot --userspec="$user" "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$workdir" "$@"
