#!/bin/sh
# reboot and poweroff in the VM test's image, standing in for systemd's (Anaconda's stage 2 runs under
# systemd, whose `reboot` stops the services, unmounts and then calls the reboot syscall; this
# initramfs has no systemd, so Debian's `reboot` -> systemctl has nothing to talk to and fails). The
# %pre's `reboot` must reboot for real: say so on the console, give the %pre's log pipe a second to
# drain, sync, and call the syscall (busybox `reboot -f`: the kernel prints "reboot: Restarting
# system"; qemu -no-reboot then exits instead of resetting the VM).
case ${0##*/} in
  poweroff) action=poweroff ;;
  *) action=reboot ;;
esac
echo "KICKSTAND-VM: $action $* (systemd stand-in: sync, then the $action syscall)" >/dev/console
sleep 1
sync
exec busybox "$action" -f
