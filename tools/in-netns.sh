#!/usr/bin/env bash
# Runs a command in a network namespace of its own with nothing but loopback, up: `npm run test:vm`
# runs the VM tests this way, so qemu (user networking, restrict=on), its socat forwarders and the
# service can reach nothing but each other on 127.0.0.1. As root a plain `unshare -n`; otherwise
# `unshare -rn` (a user namespace mapping this user to root, where unprivileged user namespaces are
# allowed). Sets KICKSTAND_VM_NETNS=1, which test/vm/harness.ts checks against the interfaces it sees.
# No fallback to the host's network: if no namespace can be made, the run fails here.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

inside='ip link set lo up && export KICKSTAND_VM_NETNS=1 && exec "$@"'
if [ "$(id -u)" = 0 ]; then
  exec unshare --net -- bash -c "$inside" in-netns "$@"
fi
if unshare --map-root-user --net -- true 2>/dev/null; then
  exec unshare --map-root-user --net -- bash -c "$inside" in-netns "$@"
fi
echo "in-netns: cannot create a network namespace (not root, and unprivileged user namespaces are off):" >&2
echo "  run as root, or allow them (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces)" >&2
exit 1
