#!/bin/sh
# pre-mount hook (sourced by dracut's init, once, after the initqueue: the network is up). Blocking on
# purpose: the initqueue counts rd.retry and ends in the emergency shell, pre-mount has no timeout
# (docs/design/discovery-image-and-stage.md §1.3). discover.sh never returns when it hands the machine
# on (kexec, reboot); it returns when discovery ended without a hand-off.
/bin/bash /usr/lib/kickstand/discover.sh < /dev/console > /dev/console 2>&1
# Shown by dracut: rd.shell=0 rd.emergency=reboot|poweroff|halt decides what happens instead.
# shellcheck disable=SC3045 # emergency_shell: dracut-lib.sh, sourced by dracut's init
type emergency_shell > /dev/null 2>&1 && emergency_shell -n kickstand "Kickstand discovery ended without a hand-off (reason above)"
