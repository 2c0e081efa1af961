# shellcheck shell=bash
# Kickstand: remove what the `stage` action left on a machine (kickstarts/discovery/stage.sh): the
# one-time UEFI boot entry "Kickstand stage" and the folder EFI/kickstand on every EFI system partition.
# Pasted into the discovery stub (the next discovery cleans up) and into snippets/unstage.njk (the
# staged installer's kickstart cleans up, in a %post --nochroot). Self-contained: it needs nothing from
# the other discovery files. BIOS needs nothing here: the installer rewrites the MBR and its partitioning
# removes the staged partition. Every command is on test/fixtures/anaconda-tools.txt; efibootmgr is
# optional (behind command -v). Never fails: there is nothing to do when nothing was staged.

KICKSTAND_STAGE_LABEL='Kickstand stage'
KICKSTAND_ESP_GUID=c12a7328-f81f-11d2-ba4b-00a0c93ec93b

# kickstand_stage_entries: the numbers (XXXX) of the boot entries labelled "Kickstand stage", one a line.
# efibootmgr 17 prints "Boot0001* Kickstand stage"; 18 adds a tab and the device path.
kickstand_stage_entries() {
  command -v efibootmgr >/dev/null 2>&1 || return 0
  local line re="^Boot([0-9A-Fa-f]{4})[* ] $KICKSTAND_STAGE_LABEL($|"$'\t'")"
  while IFS= read -r line; do
    [[ $line =~ $re ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  done < <(efibootmgr 2>/dev/null)
  return 0
}

# kickstand_unstage_entries: delete every "Kickstand stage" boot entry (a BootNext naming one goes with it).
kickstand_unstage_entries() {
  local n
  for n in $(kickstand_stage_entries); do
    if efibootmgr -q -b "$n" -B >/dev/null 2>&1; then
      echo "kickstand: removed boot entry Boot$n ($KICKSTAND_STAGE_LABEL)" >&2
    else
      echo "kickstand: could not remove boot entry Boot$n" >&2
    fi
  done
}

# kickstand_unstage_files [WORK_DIR]: remove EFI/kickstand from every EFI system partition, mounted or
# not (a mounted one is cleaned where it is mounted; another is mounted on WORK_DIR for the moment).
kickstand_unstage_files() {
  local work=${1:-/tmp/kickstand-unstage} line re='^([^[:space:]]+)[[:space:]]+([0-9a-fA-F-]+)$' dev type where
  command -v lsblk >/dev/null 2>&1 || return 0
  while IFS= read -r line; do
    [[ $line =~ $re ]] || continue
    dev=/dev/${BASH_REMATCH[1]} type=${BASH_REMATCH[2],,}
    [[ $type == "$KICKSTAND_ESP_GUID" ]] || continue
    where=$(findmnt -n -o TARGET --source "$dev" 2>/dev/null | head -n 1)
    if [[ -n $where ]]; then
      [[ -d $where/EFI/kickstand ]] && rm -rf "$where/EFI/kickstand" && echo "kickstand: removed EFI/kickstand from $dev" >&2
      continue
    fi
    mkdir -p "$work" 2>/dev/null || continue
    mount -t vfat "$dev" "$work" 2>/dev/null || continue
    [[ -d $work/EFI/kickstand ]] && rm -rf "$work/EFI/kickstand" && echo "kickstand: removed EFI/kickstand from $dev" >&2
    sync
    umount "$work" 2>/dev/null
  done < <(lsblk -n -r -o NAME,PARTTYPE 2>/dev/null)
  return 0
}

# kickstand_unstage: both. The discovery %pre calls it only when a stage entry exists (it mounts disks).
kickstand_unstage() {
  kickstand_unstage_entries
  kickstand_unstage_files "$@"
  return 0
}
