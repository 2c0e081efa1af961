#!/bin/bash
# Kickstand discovery in the initramfs: the main of the 95kickstand pre-mount hook.
#
# It sources the stub's %pre files unchanged (json.sh, facts.sh, unstage.sh, stage.sh, pre.sh;
# the build copies them from kickstarts/discovery/), so the facts, the registration, the poll loop and
# its action dispatch are the very code Anaconda runs. Only what differs in an initramfs is defined
# here, after them (a later definition wins in bash):
# - Kickstand's URL comes from the kernel command line, kickstand.url=URL;
# - progress goes to the console (this script's stderr), not to a VT of its own;
# - efivarfs is mounted (dracut's shell init does not; systemd does in Anaconda's initramfs);
# - reboot/poweroff work without an init system to ask;
# - a `kickstart` answer boots Anaconda with that kickstart inside its initrd (no Anaconda runs here).
# When discovery ends without a hand-off, it returns, and the hook shows dracut's emergency shell.
#
# Knobs for tests (besides pre.sh's): KICKSTAND_LIB (default /usr/lib/kickstand), KICKSTAND_SYSRQ
# (default /proc/sysrq-trigger), KICKSTAND_IMAGE_SOURCE_ONLY=1 (define everything, run nothing).

KICKSTAND_LIB=${KICKSTAND_LIB:-/usr/lib/kickstand}
# No installer owns the screen here: the console is ours.
KICKSTAND_VT=${KICKSTAND_VT:-none}
# shellcheck disable=SC2034 # read by pre.sh: define its functions, do not run its main
KICKSTAND_SOURCE_ONLY=1
for kickstand_part in json facts unstage stage pre; do
  if [[ ! -r $KICKSTAND_LIB/$kickstand_part.sh ]]; then
    echo "kickstand: $KICKSTAND_LIB/$kickstand_part.sh is missing from the image" >&2
    exit 1
  fi
  # shellcheck source=/dev/null # kickstarts/discovery/*.sh, copied into the image by the build
  . "$KICKSTAND_LIB/$kickstand_part.sh"
done
unset kickstand_part

SYSRQ=${KICKSTAND_SYSRQ:-/proc/sysrq-trigger}
ANACONDA_KS=kickstand.ks

# kickstand.url=URL on the kernel command line (the boot entries Kickstand prints put it there);
# KICKSTAND_URL from the environment wins (tests). pre.sh's main checks it.
image_url() {
  [[ -n ${KICKSTAND_URL:-} ]] && return 0
  local w
  cmdline_words
  for w in "${REPLY_WORDS[@]}"; do
    [[ $w == kickstand.url=* ]] && KICKSTAND_URL=${w#*=}
  done
  return 0
}

# Without systemd nobody mounts efivarfs; facts.sh reads Secure Boot from it (kexec -s decision).
mount_efivars() {
  local dir=$SYSFS/firmware/efi/efivars
  local vars=("$dir"/*)
  [[ -d $dir && ${#vars[@]} == 0 ]] || return 0
  modprobe efivarfs 2>/dev/null
  mount -t efivarfs efivarfs "$dir" 2>/dev/null || log "could not mount efivarfs: Secure Boot reads as unknown"
}

# No init system to ask, and nothing mounted that needs it: the magic SysRq key, after a sync (a stage
# action may have written an ESP). reboot and poweroff are not even in the image (on Debian they are
# systemctl, and systemd's 4 MB of libraries for one syscall).
reboot() {
  sync
  echo b > "$SYSRQ"
}

poweroff() {
  sync
  echo o > "$SYSRQ"
}

# ---------------------------------------------------------------- a kickstart answer: boot Anaconda

# The install tree, in REPLY: kickstand.tree=URL on the command line, else the kickstart's own
# `url --url=TREE` (every shipped template has one).
kickstart_tree() {
  REPLY=''
  local w line tree='' re='^[[:space:]]*url[[:space:]](.*[[:space:]])?--url[=[:space:]][[:space:]]*"?([^"[:space:]]+)'
  cmdline_words
  for w in "${REPLY_WORDS[@]}"; do
    [[ $w == kickstand.tree=* ]] && tree=${w#*=}
  done
  if [[ -z $tree ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      line=${line%$'\r'}
      if [[ $line =~ $re ]]; then
        tree=${BASH_REMATCH[2]}
        break
      fi
    done < "$RESPONSE_BODY"
  fi
  [[ $tree =~ ^https?://[^[:space:]\"\'\\]+$ ]] || return 1
  REPLY=${tree%/}
}

# The boot options Anaconda needs from this command line: the network as dracut was told to bring it
# up (one lease: the same client, the same options), the console, and inst.* the entry gave. Never
# kickstand.key (a secret) nor what this function writes itself.
anaconda_append() {
  local tree=$1 w args=()
  cmdline_words
  for w in "${REPLY_WORDS[@]}"; do
    case $w in
      inst.ks=* | inst.ks | inst.repo=* | inst.stage2=*) ;;
      ip=* | BOOTIF=* | ifname=* | bond=* | vlan=* | bridge=* | team=* | nameserver=* | rd.route=* | \
        rd.neednet=* | rd.peerdns=* | rd.net.* | console=* | inst.*) args+=("$w") ;;
    esac
  done
  REPLY="inst.repo=$tree inst.ks=file:/$ANACONDA_KS ${args[*]}"
  REPLY=${REPLY% }
}

# pad N: N zero bytes.
pad() {
  (( $1 > 0 )) && head -c "$1" /dev/zero
  return 0
}

# cpio_entry NAME [FILE]: one newc entry (FILE's bytes, mode 0644; no FILE: the trailer) on stdout.
# newc: "070701", 13 fields of 8 hex digits, the name and a NUL padded to 4 bytes, the data padded to 4.
cpio_entry() {
  local name=$1 file=${2:-} size=0 mode=0 ino=0 namesize
  if [[ -n $file ]]; then
    size=$(wc -c < "$file") || return 1
    mode=$((8#100644)) ino=1
  fi
  namesize=$((${#name} + 1))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
    "$ino" "$mode" 0 0 1 0 "$size" 0 0 0 0 "$namesize" 0 "$name"
  pad $(((4 - (110 + namesize) % 4) % 4))
  if [[ -n $file ]]; then
    cat "$file" || return 1
    pad $(((4 - size % 4) % 4))
  fi
}

# append_kickstart INITRD KS: the kickstart as /kickstand.ks in an uncompressed newc archive after the
# installer's own (the kernel unpacks concatenated archives; each must start on a 4-byte boundary).
append_kickstart() {
  local initrd=$1 ks=$2 size
  size=$(wc -c < "$initrd") || return 1
  {
    pad $(((4 - size % 4) % 4))
    cpio_entry "$ANACONDA_KS" "$ks"
    cpio_entry 'TRAILER!!!'
  } >> "$initrd"
}

install_kickstart() {
  if ! kickstart_tree; then
    fallback "kickstart answer: no url --url= in it and no kickstand.tree= on the command line, so no installer to boot"
    return 0
  fi
  local tree=$REPLY dir="$STATE_DIR/anaconda"
  mkdir -p "$dir" 2>/dev/null
  # The body goes into the initrd and nowhere else; it was unlocked once by this host's token.
  mv -f "$RESPONSE_BODY" "$dir/$ANACONDA_KS" 2>/dev/null || { fallback "could not keep the kickstart"; return 0; }
  set_state "kickstart received: booting the installer of $tree"
  download "$tree/images/pxeboot/vmlinuz" "$dir/kernel" || { fallback "installer kernel download failed: $HTTP_ERROR"; return 0; }
  download "$tree/images/pxeboot/initrd.img" "$dir/initrd" || { fallback "installer initrd download failed: $HTTP_ERROR"; return 0; }
  append_kickstart "$dir/initrd" "$dir/$ANACONDA_KS" || { fallback "could not add the kickstart to the installer's initrd"; return 0; }
  rm -f "$dir/$ANACONDA_KS"
  anaconda_append "$tree"
  local load=(-l "$dir/kernel" "--initrd=$dir/initrd" "--append=$REPLY")
  if secure_boot_on; then load=(-s "${load[@]}"); fi
  set_state "kexec: loading the installer kernel"
  kexec "${load[@]}" || { fallback "kexec could not load the installer kernel"; return 0; }
  set_state "kexec: starting the installer"
  kexec -e || fallback "kexec -e failed"
  return 0
}

image_main() {
  image_url
  mount_efivars
  main "$@"
  log "discovery ended without a hand-off: ${STATUS_ERROR:-no reason recorded}"
  return 1
}

if [[ ${KICKSTAND_IMAGE_SOURCE_ONLY:-0} != 1 ]]; then
  image_main "$@"
  exit $?
fi
