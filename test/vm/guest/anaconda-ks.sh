#!/bin/bash
# What Anaconda does with `inst.ks=http://…`, reduced to the part Kickstand depends on, for the VM test
# (test/vm/boot.test.ts). Run by the initqueue/online hook once dracut has brought the boot NIC up:
#  1. fetch the kickstart once with curl, sending X-RHN-Provisioning-MAC-<n>: <ifname> <mac> for every
#     non-lo NIC in name order when inst.ks.sendmac is given (anaconda dracut/fetch-kickstart-net.sh),
#     and keep it as /run/install/ks.cfg;
#  2. run its %pre as `interpreter /tmp/ks-script-XXXX` (pyanaconda/kickstart.py), output to a log;
#  3. print /tmp/kickstand.ks on the console between markers, base64 so the serial line's CR/LF
#     handling cannot change a byte, then power off (qemu runs with -no-reboot).
set -u
exec >/dev/console 2>&1

say() { printf 'KICKSTAND-VM: %s\n' "$*"; }

cmdline_arg() {
  local w
  for w in $(</proc/cmdline); do
    case $w in "$1="*) printf '%s\n' "${w#*=}"; return 0 ;; "$1") printf '\n'; return 0 ;; esac
  done
  return 1
}

power_off() {
  say "power off"
  echo o >/proc/sysrq-trigger
  sleep 30
}

fetch_kickstart() {
  local url=$1 headers=() n=0 dir name mac serial
  if cmdline_arg inst.ks.sendmac >/dev/null; then
    for dir in /sys/class/net/*; do
      name=${dir##*/}
      [[ $name != lo ]] || continue
      mac=$(<"$dir/address")
      headers+=(-H "X-RHN-Provisioning-MAC-$n: $name $mac")
      n=$((n + 1))
    done
  fi
  if cmdline_arg inst.ks.sendsn >/dev/null; then
    serial=$(</sys/class/dmi/id/product_serial)
    [[ -z $serial ]] || headers+=(-H "X-System-Serial-Number: $serial")
  fi
  headers+=(-H "X-Anaconda-Architecture: $(uname -m)" -H 'X-Anaconda-System-Release: Kickstand VM')
  mkdir -p /run/install
  say "fetching $url"
  curl --fail --silent --show-error --retry 3 --max-time 30 "${headers[@]}" -o /run/install/ks.cfg "$url"
}

# The first %pre section: its --interpreter (default /bin/sh) and its body up to %end.
run_pre() {
  local ks=$1 line interp=/bin/sh in_pre=0 done=0 script
  script=$(mktemp /tmp/ks-script-XXXXXX)
  while IFS= read -r line || [[ -n $line ]]; do
    if (( in_pre )); then
      if [[ $line =~ ^%end[[:space:]]*$ ]]; then in_pre=0; done=1; break; fi
      printf '%s\n' "$line" >>"$script"
    elif [[ $line =~ ^%pre([[:space:]]|$) ]]; then
      in_pre=1
      [[ $line =~ --interpreter[=[:space:]]([^[:space:]]+) ]] && interp=${BASH_REMATCH[1]}
    fi
  done <"$ks"
  (( done )) || { say "no complete %pre section in $ks"; return 1; }
  say "running %pre with $interp"
  "$interp" "$script" </dev/null 2>&1 | tee /tmp/ks-script.log | sed 's/^/KICKSTAND-VM-PRE: /'
  say "%pre exit ${PIPESTATUS[0]}"
}

# systemd mounts efivarfs in Anaconda's initramfs and stage 2; dracut's shell init does not.
mount_efivars() {
  local dir=/sys/firmware/efi/efivars
  [[ -d $dir ]] || return 0
  grep -qs " $dir efivarfs " /proc/mounts && return 0
  modprobe efivarfs 2>/dev/null
  mount -t efivarfs efivarfs "$dir" || say "mounting efivarfs failed"
}

# securityfs too (systemd mounts it): the test reads the kernel's lockdown state from it.
report_lockdown() {
  local dir=/sys/kernel/security
  grep -qs " $dir securityfs " /proc/mounts || mount -t securityfs securityfs "$dir" 2>/dev/null
  [[ -r $dir/lockdown ]] && say "lockdown: $(<"$dir/lockdown")"
}

main() {
  local url
  [[ ! -e /tmp/kickstand-vm.started ]] || return 0
  : >/tmp/kickstand-vm.started
  mount_efivars
  report_lockdown
  url=$(cmdline_arg inst.ks) || { say "no inst.ks= on the kernel command line"; power_off; }
  say "online: ${1:-?}"
  if fetch_kickstart "$url"; then
    run_pre /run/install/ks.cfg || true
  else
    say "fetching the kickstart failed"
  fi
  if [[ -f /tmp/kickstand.ks ]]; then
    say "include begin $(wc -c </tmp/kickstand.ks)"
    busybox base64 </tmp/kickstand.ks
    say "include end"
  else
    say "no include written"
  fi
  power_off
}

main "$@"
