#!/bin/bash
# dracut module 95kickstand: the Kickstand discovery image (docs/discovery-image.md). In the initramfs,
# before root is mounted, a blocking pre-mount hook runs the SAME facts and register/poll code as the
# stub's %pre (kickstarts/discovery/*.sh, copied next to this file by `kickstand discovery-image build`)
# and hands the machine on: kexec, reboot, or whatever other action pre.sh's loop dispatches.
# API: dracut.modules(7). Anaconda's own module is the model (check 255, never host-only).

# called by dracut
check() {
    # A discovery image boots unknown machines: host-only would leave out their NIC and disk drivers.
    # shellcheck disable=SC2154 # set by dracut
    [[ $hostonly ]] && return 1
    require_binaries bash curl ip kexec || return 1
    # Only when asked for (--add / --modules): never in a machine's own initramfs.
    return 255
}

# called by dracut
depends() {
    # url-lib: curl with its TLS libraries and CA bundle. network: the backend chosen by the build
    # (network-legacy on Debian 12, network-manager on Fedora/RHEL) and ip=/bond=/vlan= parsing.
    echo bash network url-lib
    return 0
}

# called by dracut
installkernel() {
    # efivarfs: firmware.secure_boot (facts.sh) and the kexec -s decision read efivars.
    hostonly='' instmods efivarfs
}

# called by dracut
install() {
    # What the shared shell code calls (test/fixtures/anaconda-tools.txt lists the same for Anaconda).
    inst_multiple bash curl ip kexec sleep cat cp mv rm mkdir head tail wc tr od readlink uname \
        lsblk lscpu sed grep sync
    # Optional: a missing one only leaves its facts out, or its action unavailable (stage's tools).
    inst_multiple -o dmidecode lsmem lspci ethtool chvt \
        efibootmgr sgdisk sfdisk mkfs.vfat grub2-install grub-install blkid wipefs partx findmnt mount \
        umount udevadm sha256sum stat df
    # The shared files (kickstarts/discovery/*.sh, copied here by the build) and the image's main.
    local f
    # shellcheck disable=SC2154 # moddir: set by dracut
    for f in json.sh facts.sh unstage.sh stage.sh pre.sh; do
        inst_simple "$moddir/lib/$f" "/usr/lib/kickstand/$f"
    done
    inst_simple "$moddir/discover.sh" /usr/lib/kickstand/discover.sh
    inst_hook cmdline 90 "$moddir/parse-kickstand.sh"
    inst_hook pre-mount 50 "$moddir/kickstand-pre-mount.sh"
}
