#!/usr/bin/env bash
# What `npm test` needs from the system before it runs: the tools the real %pre uses under test
# (test/fixtures/anaconda-tools.txt), Debian's chromium for the browser tests, rpm/cpio/xz/zstd/binutils/
# kexec-tools for the product.img builder, openssl (a second SHA-512-crypt), diffutils and patch (the
# template history's diffs), python3 (Python's shlex as the reference for ours), shellcheck (`npm run lint`
# checks kickstarts/discovery/*.sh), postgresql (a throwaway cluster for the PostgreSQL store: test/support/postgres-cluster.ts).
# The VM tests (test/vm/, `npm run test:vm`): qemu-system-x86, ovmf (SeaBIOS comes with qemu; OVMF with
# and without Secure Boot, the snakeoil key), linux-image-amd64 (the kernel it boots), sbsigntool (that
# kernel re-signed with the snakeoil key), dracut + dracut-network + isc-dhcp-client (the initramfs and
# its ip=dhcp), busybox-static (base64 and the reboot syscall in the guest), socat (the per-connection
# guestfwd forwarder), and the %pre's commands the image carries that no other test needs: dmidecode,
# kbd (chvt), smartmontools, nvme-cli, hdparm, ipmitool; openipmi (ipmi_sim, the LAN BMC the power test drives through ipmitool). util-linux's unshare and iproute2's ip make the
# run's network namespace (tools/in-netns.sh).
# The stage action's tools in the VM image (test/vm/stage.test.ts): efibootmgr, gdisk (sgdisk), fdisk (sfdisk),
# dosfstools (mkfs.vfat); grub-efi-amd64-bin + grub-common for that test's first boot (a GRUB EFI image on a
# second disk), mtools to read its ESP.
# The boot page's DHCP snippets are checked by the daemons' own config checkers (test/boot/dhcp-daemons.test.ts):
# dnsmasq-base (dnsmasq --test), isc-dhcp-server (dhcpd -t), kea-dhcp4-server (kea-dhcp4 -t).
# As root it installs what is missing with apt; otherwise it names the missing packages and stops, so
# the suite never skips a test silently because a tool was absent.
set -euo pipefail

packages=(bash curl iproute2 util-linux ethtool pciutils cpio xz-utils gzip openssl procps chromium
  diffutils patch rpm zstd binutils kexec-tools python3 shellcheck postgresql
  # the VM test (test/vm/)
  qemu-system-x86 ovmf linux-image-amd64 sbsigntool dracut dracut-network isc-dhcp-client busybox-static socat
  dmidecode kbd smartmontools nvme-cli hdparm ipmitool openipmi
  efibootmgr gdisk fdisk dosfstools grub-efi-amd64-bin grub-common mtools
  # the DHCP snippets' syntax (test/boot/dhcp-daemons.test.ts)
  dnsmasq-base isc-dhcp-server kea-dhcp4-server)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
else
  echo "test-packages: not a Debian system (no dpkg-query); the suite needs: ${packages[*]}" >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "test-packages: missing Debian packages: ${missing[*]}" >&2
  echo "  install them as root:  apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "test-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
