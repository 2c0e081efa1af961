#!/bin/sh
# cmdline hook (sourced by dracut's init). This initramfs has no root file system: the pre-mount hook
# hands the machine to another kernel or reboots it. Claim root the way Anaconda's
# parse-anaconda-repo.sh does, so dracut's init does not stop at "No or empty root= argument".
# Networking is required: the discovery talks to Kickstand (rd.neednet=1 even when the entry forgot it).
# shellcheck disable=SC2034 # root and rootok are read by dracut's init, which sources this hook
root=kickstand
# shellcheck disable=SC2034 # as above
rootok=1
mkdir -p /etc/cmdline.d
echo 'rd.neednet=1' > /etc/cmdline.d/95kickstand.conf
