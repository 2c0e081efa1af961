# shellcheck shell=bash
# Kickstand discovery %pre: the `stage` action (docs/profiles.md#stage, docs/design/discovery-image-and-stage.md
# §4). Function definitions only; pre.sh calls stage_into for an answer with X-Kickstand-Action: stage,
# facts.sh calls stage_json. Needs log, set_state, set_error, fallback, download, http,
# write_fallback_include and vt_close from pre.sh, secure_boot_on from facts.sh, json_escape and jm_*
# from json.sh, kickstand_unstage_entries from unstage.sh.
#
# The hand-off without kexec: the assigned installer's kernel and initrd are downloaded, checked against
# the sizes and sha256 digests in the answer, written to the machine's disk, and the machine reboots
# into them once:
#   UEFI  the EFI system partition (reused when the disk has one, created on a blank disk), files
#         \EFI\kickstand\vmlinuz.efi and initrd.img, a boot entry "Kickstand stage" made with
#         efibootmgr --create-only (BootOrder untouched) and BootNext set to it, checked before reboot;
#   BIOS  a GPT with a 1 MiB BIOS boot partition and a vfat partition KICKSTAND on a blank disk (or the
#         KICKSTAND partition of an earlier stage), GRUB for i386-pc in the MBR, a grub.cfg booting the
#         files; Kickstand's iPXE answer for the host says "boot the local disk" (docs/boot.md).
# A disk that holds anything else is never written: the stage is refused, saying why. A refusal goes to
# the host's timeline (a "failed" callback) and ends like a failed kexec: the fallback include.
#
# Knobs (tests): KICKSTAND_DEV (default /dev), KICKSTAND_GRUB_PC (default /usr/lib/grub/i386-pc).

STAGE_DEV=${KICKSTAND_DEV:-/dev}
STAGE_GRUB_PC=${KICKSTAND_GRUB_PC:-/usr/lib/grub/i386-pc}
STAGE_LABEL='Kickstand stage'
STAGE_ESP_GUID=c12a7328-f81f-11d2-ba4b-00a0c93ec93b
STAGE_BIOS_GUID=21686148-6449-6e6f-744e-656564454649
STAGE_DATA_GUID=ebd0a0a2-b9e5-4433-87c0-68b6b72699c7
STAGE_MIN_MIB=512          # a partition Kickstand creates: at least this, or the files plus 64 MiB
STAGE_MISSING=()
STAGE_TOOL_GRUB=''
STAGE_TOOL_PART=''

# ---------------------------------------------------------------- tools and facts

stage_firmware() {
  if [[ -d $SYSFS/firmware/efi ]]; then REPLY=uefi; else REPLY=bios; fi
}

# stage_tools: what this machine's firmware needs, the missing ones in STAGE_MISSING. The partitioner
# (sgdisk, else sfdisk) and GRUB's installer (grub2-install on Red Hat, grub-install elsewhere) are
# picked here. lsblk, mount, umount, sha256sum and stat are on every install image, checked anyway.
stage_tools() {
  STAGE_MISSING=() STAGE_TOOL_PART='' STAGE_TOOL_GRUB=''
  local t
  if command -v sgdisk >/dev/null 2>&1; then
    STAGE_TOOL_PART=sgdisk
  elif command -v sfdisk >/dev/null 2>&1; then
    STAGE_TOOL_PART=sfdisk
  else
    STAGE_MISSING+=('sgdisk or sfdisk')
  fi
  command -v mkfs.vfat >/dev/null 2>&1 || STAGE_MISSING+=(mkfs.vfat)
  for t in lsblk mount umount sha256sum stat curl; do
    command -v "$t" >/dev/null 2>&1 || STAGE_MISSING+=("$t")
  done
  stage_firmware
  if [[ $REPLY == uefi ]]; then
    command -v efibootmgr >/dev/null 2>&1 || STAGE_MISSING+=(efibootmgr)
  else
    if command -v grub2-install >/dev/null 2>&1; then
      STAGE_TOOL_GRUB=grub2-install
    elif command -v grub-install >/dev/null 2>&1; then
      STAGE_TOOL_GRUB=grub-install
    else
      STAGE_MISSING+=('grub2-install or grub-install')
    fi
    [[ -d $STAGE_GRUB_PC ]] || STAGE_MISSING+=("$STAGE_GRUB_PC")
  fi
  (( ${#STAGE_MISSING[@]} == 0 ))
}

# stage_json: the `stage` fact, {"available":…, "missing":[…]}, in REPLY.
stage_json() {
  # shellcheck disable=SC2034 # nameref targets of jm_raw/json_array, read by json_object
  local members=() missing=() t
  if stage_tools; then
    jm_raw members available true
  else
    jm_raw members available false
    for t in "${STAGE_MISSING[@]}"; do
      json_escape "$t" 0
      missing+=("$REPLY")
    done
    json_array missing
    jm_raw members missing "$REPLY"
  fi
  json_object members
}

# ---------------------------------------------------------------- the answer

declare -gA STAGE=()

# stage_read_answer FILE: the answer's `key value` lines into STAGE (read, never evaluated); fails with
# the reason in REPLY when a value is not what the service promises.
stage_read_answer() {
  STAGE=()
  local key value
  while read -r key value || [[ -n $key ]]; do
    value=${value%$'\r'}
    case $key in
      kernel | kernel_sha256 | kernel_size | initrd | initrd_sha256 | initrd_size | disk | append) STAGE[$key]=$value ;;
    esac
  done < "$1"
  local f
  for f in kernel initrd; do
    [[ ${STAGE[$f]:-} =~ ^https?://[^[:space:]]+$ ]] || { REPLY="the answer has no usable $f URL"; return 1; }
    [[ ${STAGE[${f}_sha256]:-} =~ ^[0-9a-f]{64}$ ]] || { REPLY="the answer has no usable ${f}_sha256"; return 1; }
    [[ ${STAGE[${f}_size]:-} =~ ^[1-9][0-9]{0,10}$ ]] || { REPLY="the answer has no usable ${f}_size"; return 1; }
  done
  if [[ -n ${STAGE[disk]:-} && ! ${STAGE[disk]} =~ ^[A-Za-z0-9][A-Za-z0-9_.:!+-]{0,63}$ ]]; then
    REPLY="the answer names an unusable disk"
    return 1
  fi
  STAGE[append]=${STAGE[append]:-}
}

# ---------------------------------------------------------------- disks

declare -gA STAGE_COL=()

# stage_columns 'NAME="sda" TYPE="disk" …': lsblk -P's pairs into STAGE_COL (values are hex-escaped by
# lsblk, unescaped with printf %b, never evaluated).
stage_columns() {
  STAGE_COL=()
  local rest=$1 re='^[[:space:]]*([A-Z_:-]+)="([^"]*)"(.*)$' value
  while [[ $rest =~ $re ]]; do
    printf -v value '%b' "${BASH_REMATCH[2]}"
    STAGE_COL[${BASH_REMATCH[1]}]=$value
    rest=${BASH_REMATCH[3]}
  done
}

# stage_pick_disk [NAME]: the disk to stage to in REPLY: NAME when given (it must be a whole, writable
# disk), else the first whole disk that is neither removable nor read-only (zram, loop and ram aside).
stage_pick_disk() {
  local want=${1//!//} line name
  while IFS= read -r line; do
    stage_columns "$line"
    name=${STAGE_COL[NAME]:-}
    [[ ${STAGE_COL[TYPE]:-} == disk && -n $name ]] || continue
    case $name in zram* | loop* | ram*) continue ;; esac
    if [[ -n $want ]]; then
      [[ $name == "$want" ]] || continue
      [[ ${STAGE_COL[RO]:-0} == 0 ]] || { REPLY="disk $want is read-only"; return 1; }
      REPLY=$name
      return 0
    fi
    [[ ${STAGE_COL[RM]:-0} == 0 && ${STAGE_COL[RO]:-0} == 0 ]] || continue
    REPLY=$name
    return 0
  done < <(LC_ALL=C lsblk -d -n -b -P -o NAME,TYPE,RM,RO,SIZE 2>/dev/null)
  if [[ -n $want ]]; then REPLY="no disk named $want"; else REPLY='no disk that is neither removable nor read-only'; fi
  return 1
}

# stage_part_name DISK N: the kernel's name of partition N (sda1, but nvme0n1p1, mmcblk0p1) in REPLY.
stage_part_name() {
  if [[ $1 =~ [0-9]$ ]]; then REPLY=${1}p$2; else REPLY=$1$2; fi
}

STAGE_DISK_SIZE=0
STAGE_DISK_USED=''
STAGE_PART_ESP=''
STAGE_PART_OURS=''

# stage_inspect DISK: what is on it. STAGE_DISK_USED says what makes it not blank (a partition table, a
# file system, partitions), empty for a blank disk; STAGE_PART_ESP is its first vfat EFI system
# partition, STAGE_PART_OURS its vfat partition labelled KICKSTAND (an earlier BIOS stage).
stage_inspect() {
  local disk=$1 line first=1 type
  STAGE_DISK_SIZE=0 STAGE_DISK_USED='' STAGE_PART_ESP='' STAGE_PART_OURS=''
  while IFS= read -r line; do
    stage_columns "$line"
    if (( first )); then
      first=0
      STAGE_DISK_SIZE=${STAGE_COL[SIZE]:-0}
      [[ -n ${STAGE_COL[PTTYPE]:-} ]] && STAGE_DISK_USED="a partition table (${STAGE_COL[PTTYPE]})"
      [[ -n ${STAGE_COL[FSTYPE]:-} ]] && STAGE_DISK_USED="a ${STAGE_COL[FSTYPE]} file system"
      continue
    fi
    [[ ${STAGE_COL[TYPE]:-} == part ]] || continue
    [[ -n $STAGE_DISK_USED ]] || STAGE_DISK_USED='partitions'
    type=${STAGE_COL[PARTTYPE]:-}
    [[ ${STAGE_COL[FSTYPE]:-} == vfat ]] || continue
    if [[ ${type,,} == "$STAGE_ESP_GUID" && -z $STAGE_PART_ESP ]]; then STAGE_PART_ESP=${STAGE_COL[NAME]}; fi
    if [[ ${STAGE_COL[PARTLABEL]:-} == KICKSTAND && -z $STAGE_PART_OURS ]]; then STAGE_PART_OURS=${STAGE_COL[NAME]}; fi
  done < <(LC_ALL=C lsblk -n -b -P -o NAME,TYPE,SIZE,PTTYPE,PARTTYPE,PARTLABEL,FSTYPE "$STAGE_DEV/$disk" 2>/dev/null)
  (( first == 0 ))
}

# stage_wait_part NAME: the partition's device node appears (udev) within 10 seconds.
stage_wait_part() {
  local i
  if command -v udevadm >/dev/null 2>&1; then udevadm settle >/dev/null 2>&1 || true; fi
  for ((i = 0; i < 20; i++)); do
    [[ -e $STAGE_DEV/$1 ]] && return 0
    sleep 0.5
  done
  return 1
}

# stage_partition DISK FIRMWARE MIB: a new GPT on a blank DISK. UEFI: partition 1, the EFI system
# partition. BIOS: partition 1, GRUB's 1 MiB BIOS boot partition (core.img), partition 2 for the files.
# The partition to format is left in REPLY.
stage_partition() {
  local disk=$1 firmware=$2 mib=$3 dev=$STAGE_DEV/$1 n=1
  if [[ $firmware == uefi ]]; then
    if [[ $STAGE_TOOL_PART == sgdisk ]]; then
      sgdisk -o -n "1:2048:+${mib}M" -t 1:ef00 -c 1:KICKSTAND "$dev" >&2 || return 1
    else
      printf 'label: gpt\nstart=2048, size=%sMiB, type=%s, name="KICKSTAND"\n' "$mib" "${STAGE_ESP_GUID^^}" | sfdisk -q "$dev" >&2 || return 1
    fi
  else
    n=2
    if [[ $STAGE_TOOL_PART == sgdisk ]]; then
      sgdisk -o -n 1:2048:+1M -t 1:ef02 -c 1:KICKSTAND-BIOS -n "2:0:+${mib}M" -t 2:0700 -c 2:KICKSTAND "$dev" >&2 || return 1
    else
      printf 'label: gpt\nstart=2048, size=1MiB, type=%s, name="KICKSTAND-BIOS"\nsize=%sMiB, type=%s, name="KICKSTAND"\n' \
        "${STAGE_BIOS_GUID^^}" "$mib" "${STAGE_DATA_GUID^^}" | sfdisk -q "$dev" >&2 || return 1
    fi
  fi
  stage_part_name "$disk" "$n"
}

# ---------------------------------------------------------------- files

# stage_fetch NAME DIR: download the answer's NAME (kernel or initrd) into DIR/NAME and check its size
# and sha256; fails with the reason in REPLY.
stage_fetch() {
  local what=$1 file=$2/$1 size sum
  set_state "stage: downloading ${STAGE[$what]}"
  if ! download "${STAGE[$what]}" "$file"; then REPLY="$what download failed: $HTTP_ERROR"; return 1; fi
  size=$(stat -c %s "$file" 2>/dev/null) || size=''
  if [[ $size != "${STAGE[${what}_size]}" ]]; then
    REPLY="$what is ${size:-an unreadable number of} bytes, the answer says ${STAGE[${what}_size]}"
    return 1
  fi
  read -r sum _ < <(sha256sum "$file" 2>/dev/null) || sum=''
  if [[ $sum != "${STAGE[${what}_sha256]}" ]]; then
    REPLY="$what sha256 is ${sum:-unreadable}, the answer says ${STAGE[${what}_sha256]}"
    return 1
  fi
}

# stage_copy FROM TO SHA256: copy and read the copy back (a full or failing disk shows here, not at boot).
stage_copy() {
  local sum
  cp "$1" "$2" 2>/dev/null || return 1
  sync
  read -r sum _ < <(sha256sum "$2" 2>/dev/null) || return 1
  [[ $sum == "$3" ]]
}

# stage_free_kib DIR: free KiB of the file system holding DIR in REPLY.
stage_free_kib() {
  local line fields=()
  REPLY=0
  line=$(df -P -k "$1" 2>/dev/null | tail -n 1) || return 1
  read -r -a fields <<< "$line"
  [[ ${fields[3]:-} =~ ^[0-9]+$ ]] || return 1
  REPLY=${fields[3]}
}

# ---------------------------------------------------------------- UEFI boot entry

# stage_boot_numbers: every Boot#### number efibootmgr lists, one a line.
stage_boot_numbers() {
  local line re='^Boot([0-9A-Fa-f]{4})[* ]'
  while IFS= read -r line; do
    [[ $line =~ $re ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  done < <(efibootmgr 2>/dev/null)
  return 0
}

# stage_boot_entry DISK PARTNUM: a boot entry for the staged kernel, BootNext set to it and read back.
# --create-only leaves BootOrder alone; an efibootmgr without it (before 16) gets -c, then the old
# BootOrder back. The command line is one argv word starting with initrd=: never an option, never shell.
stage_boot_entry() {
  local disk=$1 part=$2 before after n new='' order line
  local args=(--disk "$STAGE_DEV/$disk" --part "$part" --label "$STAGE_LABEL" --loader '\EFI\kickstand\vmlinuz.efi'
    --unicode "initrd=\\EFI\\kickstand\\initrd.img ${STAGE[append]}")
  before=$(stage_boot_numbers)
  if efibootmgr --help 2>&1 | grep -q -- '--create-only'; then
    efibootmgr -q --create-only "${args[@]}" >&2 || { REPLY='efibootmgr could not create the boot entry'; return 1; }
  else
    order=$(efibootmgr 2>/dev/null | sed -n 's/^BootOrder: //p')
    efibootmgr -q --create "${args[@]}" >&2 || { REPLY='efibootmgr could not create the boot entry'; return 1; }
    if [[ -n $order ]]; then efibootmgr -q -o "$order" >&2; else efibootmgr -q -O >&2; fi
  fi
  after=$(stage_boot_numbers)
  for n in $after; do
    [[ $'\n'$before$'\n' == *$'\n'$n$'\n'* ]] || new+=" $n"
  done
  new=${new# }
  if [[ ! $new =~ ^[0-9A-Fa-f]{4}$ ]]; then
    REPLY="the new boot entry is not one Boot#### (${new:-none})"
    return 1
  fi
  STAGE[entry]=$new
  efibootmgr -q --bootnext "$new" >&2 || { REPLY="efibootmgr could not set BootNext to $new"; return 1; }
  # Some firmwares drop or ignore BootNext: read it back before rebooting (design note §4.2).
  line=$(efibootmgr 2>/dev/null | sed -n 's/^BootNext: //p')
  [[ ${line,,} == "${new,,}" ]] || { REPLY="BootNext reads \"${line:-unset}\" after setting it to $new"; return 1; }
}

# ---------------------------------------------------------------- BIOS: GRUB

# stage_grub_word WORD: WORD single-quoted for grub.cfg (GRUB's lexer reads '…' literally, \' outside).
stage_grub_word() {
  REPLY="'${1//\'/\'\\\'\'}'"
}

# stage_grub DISK MNT: GRUB for i386-pc in DISK's MBR (core.img in the BIOS boot partition), its
# modules and a grub.cfg booting MNT/kickstand/{vmlinuz,initrd.img} under MNT/boot. The append line goes
# word by word, each quoted: GRUB would quote a word holding a space, and must expand nothing.
stage_grub() {
  local disk=$1 mnt=$2 dir w line='' words=()
  "$STAGE_TOOL_GRUB" --target=i386-pc --boot-directory="$mnt/boot" --modules='part_gpt fat' "$STAGE_DEV/$disk" >&2 || return 1
  dir=$mnt/boot/grub2
  [[ -d $dir ]] || dir=$mnt/boot/grub
  mkdir -p "$dir" 2>/dev/null || return 1
  read -r -a words <<< "${STAGE[append]}"
  for w in "${words[@]}"; do
    stage_grub_word "$w"
    line+=" $REPLY"
  done
  {
    printf '# Kickstand stage: boots the staged installer; removed by its kickstart or the next discovery.\n'
    printf 'set timeout=0\nset default=0\n'
    printf "menuentry '%s' {\n" "$STAGE_LABEL"
    printf '  linux /kickstand/vmlinuz%s\n' "$line"
    printf '  initrd /kickstand/initrd.img\n'
    printf '}\n'
  } > "$dir/grub.cfg" 2>/dev/null
}

# ---------------------------------------------------------------- the action

STAGE_MOUNTED=''

stage_unmount() {
  [[ -n $STAGE_MOUNTED ]] || return 0
  sync
  umount "$STAGE_MOUNTED" 2>/dev/null || log "could not unmount $STAGE_MOUNTED"
  STAGE_MOUNTED=''
}

# stage_event STAGE MESSAGE: a callback to the host's timeline (POST …/events with the host token on
# stdin, like a poll). "failed" marks the host failed with the reason; "installing" notes the stage.
stage_event() {
  local body
  json_escape "$1" 0; body="{\"stage\":$REPLY"
  json_escape "${2:0:900}" 0; body+=",\"message\":$REPLY,\"event_id\":\"stage-$1\"}"
  printf '%s' "$body" > "$STATE_DIR/stage-event.json" 2>/dev/null || return 0
  http "${NEXT_URL%/next}/events" "$REQUEST_TIMEOUT" -H 'Content-Type: application/json' -H 'Expect:' \
    --data-binary "@$STATE_DIR/stage-event.json" -K - <<< "header = \"Authorization: Bearer $HOST_TOKEN\"" ||
    log "could not report the stage to the service: $HTTP_ERROR"
  return 0
}

# stage_refuse REASON: undo what can be undone, put the reason on the timeline, end like a failed kexec.
stage_refuse() {
  stage_unmount
  if [[ -n ${STAGE[entry]:-} ]]; then efibootmgr -q -b "${STAGE[entry]}" -B >/dev/null 2>&1; fi
  stage_event failed "stage refused: $1"
  fallback "stage refused: $1"
}

# stage_into: the whole action, from the answer in RESPONSE_BODY to the reboot.
stage_into() {
  local firmware disk part dir="$STATE_DIR/stage" mnt mib need_kib
  if ! stage_read_answer "$RESPONSE_BODY"; then stage_refuse "$REPLY"; return 0; fi
  stage_firmware; firmware=$REPLY
  if ! stage_tools; then
    stage_refuse "this installer image lacks what staging needs on $firmware: ${STAGE_MISSING[*]}"
    return 0
  fi
  local warning=''
  if [[ $firmware == uefi ]] && secure_boot_on; then
    warning='; Secure Boot is on: the firmware starts the kernel only if a key in its db signed it'
    log "${warning#; } (docs/profiles.md#stage)"
  fi
  if ! stage_pick_disk "${STAGE[disk]:-}"; then stage_refuse "$REPLY"; return 0; fi
  disk=$REPLY
  stage_inspect "$disk" || { stage_refuse "lsblk cannot read disk $disk"; return 0; }

  # The files first: nothing is written to the disk before both are here and match.
  mkdir -p "$dir" 2>/dev/null
  stage_fetch kernel "$dir" || { stage_refuse "$REPLY"; return 0; }
  stage_fetch initrd "$dir" || { stage_refuse "$REPLY"; return 0; }
  need_kib=$(( (STAGE[kernel_size] + STAGE[initrd_size]) / 1024 + 1024 ))
  mib=$(( need_kib / 1024 + 64 ))
  (( mib < STAGE_MIN_MIB )) && mib=$STAGE_MIN_MIB

  if [[ $firmware == uefi && -n $STAGE_PART_ESP ]]; then
    part=$STAGE_PART_ESP
    log "stage: reusing the EFI system partition $part on $disk"
  elif [[ $firmware == bios && -n $STAGE_PART_OURS ]]; then
    part=$STAGE_PART_OURS
    log "stage: reusing Kickstand's partition $part on $disk"
  elif [[ -n $STAGE_DISK_USED ]]; then
    local keep='EFI system partition'
    [[ $firmware == bios ]] && keep='KICKSTAND partition from an earlier stage'
    stage_refuse "disk $disk holds $STAGE_DISK_USED and no $keep; Kickstand writes only to a blank disk: clear it, or name another with stage_disk"
    return 0
  else
    if (( STAGE_DISK_SIZE > 0 && STAGE_DISK_SIZE / 1048576 < mib + 8 )); then
      stage_refuse "disk $disk ($((STAGE_DISK_SIZE / 1048576)) MiB) is smaller than the $mib MiB partition the files need"
      return 0
    fi
    set_state "stage: partitioning blank disk $disk ($firmware)"
    stage_partition "$disk" "$firmware" "$mib" || { stage_refuse "$STAGE_TOOL_PART could not partition $disk"; return 0; }
    part=$REPLY
    stage_wait_part "$part" || { stage_refuse "partition $part did not appear after partitioning $disk"; return 0; }
    mkfs.vfat -F 32 -n KICKSTAND "$STAGE_DEV/$part" >&2 || { stage_refuse "mkfs.vfat could not format $part"; return 0; }
  fi

  mnt="$dir/mnt"
  mkdir -p "$mnt" 2>/dev/null
  mount -t vfat "$STAGE_DEV/$part" "$mnt" >&2 || { stage_refuse "could not mount $part"; return 0; }
  STAGE_MOUNTED=$mnt
  local target="$mnt/EFI/kickstand" kernel_name=vmlinuz.efi
  [[ $firmware == bios ]] && target="$mnt/kickstand" kernel_name=vmlinuz
  rm -rf "$target" 2>/dev/null
  stage_free_kib "$mnt" || { stage_refuse "cannot read the free space of $part"; return 0; }
  if (( REPLY < need_kib )); then
    stage_refuse "partition $part has ${REPLY} KiB free, the files need $need_kib KiB"
    return 0
  fi
  set_state "stage: writing the kernel and initrd to $part"
  mkdir -p "$target" 2>/dev/null || { stage_refuse "could not create a folder on $part"; return 0; }
  stage_copy "$dir/kernel" "$target/$kernel_name" "${STAGE[kernel_sha256]}" || { stage_refuse "the kernel did not copy intact to $part"; return 0; }
  stage_copy "$dir/initrd" "$target/initrd.img" "${STAGE[initrd_sha256]}" || { stage_refuse "the initrd did not copy intact to $part"; return 0; }

  local how
  if [[ $firmware == uefi ]]; then
    kickstand_unstage_entries
    stage_unmount
    stage_boot_entry "$disk" "${part##*[!0-9]}" || { stage_refuse "$REPLY"; return 0; }
    how="EFI system partition $part, boot entry Boot${STAGE[entry]} as BootNext"
  else
    stage_grub "$disk" "$mnt" || { stage_refuse "$STAGE_TOOL_GRUB could not install GRUB on $disk"; return 0; }
    stage_unmount
    how="partition $part, GRUB in the MBR of $disk"
  fi
  rm -f "$dir/kernel" "$dir/initrd" 2>/dev/null
  stage_event installing "staged ${STAGE[kernel]} on $disk ($how); rebooting into it$warning"
  write_fallback_include "staged on $disk; rebooting into the installer"
  set_state "stage: written to $disk ($how); rebooting"
  vt_close
  if reboot; then return 0; fi
  log "reboot failed; trying reboot -f"
  reboot -f || set_error "staged on $disk, but reboot failed: reboot this machine by hand to start the installer"
}
