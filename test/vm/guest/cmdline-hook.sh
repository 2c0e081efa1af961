#!/bin/sh
# This initramfs has no root to switch to: it stands in for Anaconda's stage 1 and powers off once the
# %pre is done, so tell dracut's init that root is handled (as anaconda's parse-anaconda-root.sh does).
# shellcheck disable=SC2034 # read by dracut's init, which sources this hook
root=kickstand
# shellcheck disable=SC2034 # as above
rootok=1
# The accelerator probe (test/vm/qemu.ts): userspace ran, so the accelerator works; stop here.
if grep -qw kickstand.probe /proc/cmdline; then
    echo KICKSTAND-VM-PROBE-OK >/dev/console
    echo o >/proc/sysrq-trigger
fi
