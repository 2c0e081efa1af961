# shellcheck shell=bash
# Kickstand discovery %pre, part 2 of 3: the hardware facts (format: src/schemas/facts.ts; every
# fact and its source: docs/discovery.md). Function definitions only; pre.sh runs them.
# Every command used here is in test/fixtures/anaconda-tools.txt; optional ones sit behind `command -v`,
# and a missing one only leaves its facts out.

# Limits of the facts schema (src/schemas/facts.ts): longer values would get the upload refused.
MAX_STR=256
MAX_LONG_STR=4096
MAX_NICS=64
MAX_DISKS=256
MAX_ADDRS=32

# MACs as the kernel prints them (Ethernet 6 bytes, InfiniBand 20) and the names the schema accepts.
MAC_RE='^[0-9a-f]{2}(:[0-9a-f]{2}){5}$|^[0-9a-f]{2}(:[0-9a-f]{2}){19}$'
DEVICE_RE='^[A-Za-z0-9_.:@!+-]{1,64}$'
SECURE_BOOT_GUID=8be4df61-93ca-11d2-aa0d-00e098032b8c

# ---------------------------------------------------------------- facts: network

BOOTIF_MAC=''
NIC_NAMES=()
declare -gA NIC_MAC=() NIC_V4=() NIC_V6=() NIC_STATE=()
LINKS_UP=()          # ports this script brought up for the probe; set down again afterwards
ROUTE_DEV=''

# BOOTIF=01-aa-bb-… (pxelinux IPAPPEND 2; added by hand for GRUB and iPXE) names the boot NIC.
read_bootif() {
  BOOTIF_MAC=''
  local w v
  cmdline_words
  for w in "${REPLY_WORDS[@]}"; do
    [[ $w == BOOTIF=* ]] || continue
    v=${w#*=}
    v=${v,,}
    v=${v//-/:}
    # The first byte is the ARP hardware type (01 for Ethernet); accept a bare MAC too.
    [[ $v =~ $MAC_RE ]] || v=${v#??:}
    if [[ $v =~ $MAC_RE ]]; then BOOTIF_MAC=$v; else log "ignoring $w: not a MAC address"; fi
  done
}

# Every interface but loopback whose name and MAC the schema accepts, in sysfs (name) order.
list_nics() {
  NIC_NAMES=()
  local dir name mac
  for dir in "$SYSFS"/class/net/*; do
    [[ -d $dir ]] || continue          # bonding_masters is a plain file
    name=${dir##*/}
    [[ $name != lo ]] || continue
    if read_value "$dir/type" && [[ $REPLY == 772 ]]; then continue; fi
    [[ $name =~ $DEVICE_RE ]] || { log "skipping interface with an unusable name"; continue; }
    read_value "$dir/address" || continue
    mac=${REPLY,,}
    [[ $mac =~ $MAC_RE ]] || continue  # tunnels and the like have no Ethernet/IB address
    [[ $mac != 00:00:00:00:00:00 ]] || continue
    NIC_NAMES+=("$name")
    NIC_MAC[$name]=$mac
    read_value "$dir/operstate" && NIC_STATE[$name]=$REPLY
  done
}

# The interface of the default route (IPv4, else IPv6): dracut's boot NIC, never to be touched.
find_route_dev() {
  ROUTE_DEV=''
  command -v ip >/dev/null 2>&1 || return 0
  local family line
  for family in -4 -6; do
    while IFS= read -r line; do
      if [[ $line =~ (^|[[:space:]])dev[[:space:]]+([^[:space:]]+) ]]; then
        ROUTE_DEV=${BASH_REMATCH[2]}
        return 0
      fi
    done < <(ip "$family" -o route show default 2>/dev/null)
  done
}

# Anaconda leaves every NIC but the boot one down (anaconda.md §2), so carrier and speed would read
# as unknown. Bring physical ports up for the probe, never the boot NIC or the default route's.
links_up() {
  command -v ip >/dev/null 2>&1 || return 0
  local name flags
  for name in "${NIC_NAMES[@]}"; do
    [[ -e $SYSFS/class/net/$name/device ]] || continue     # virtual: nothing to detect
    [[ $name != "$ROUTE_DEV" ]] || continue
    [[ -z $BOOTIF_MAC || ${NIC_MAC[$name]} != "$BOOTIF_MAC" ]] || continue
    read_value "$SYSFS/class/net/$name/flags" || continue
    flags=$REPLY
    [[ $flags =~ ^0x[0-9a-fA-F]+$ ]] || continue
    (( flags & 1 )) && continue                             # IFF_UP already: someone owns it
    if ip link set dev "$name" up 2>/dev/null; then
      LINKS_UP+=("$name")
    fi
  done
  (( ${#LINKS_UP[@]} == 0 )) || log "probing link on: ${LINKS_UP[*]}"
}

# Wait until every port brought up has carrier, or LINK_WAIT seconds (autonegotiation takes 1-3 s).
links_wait() {
  (( ${#LINKS_UP[@]} > 0 )) || return 0
  local seconds=5 name waiting
  [[ $LINK_WAIT =~ ^[0-9]{1,3}$ ]] && seconds=$((10#$LINK_WAIT))
  local tries=$((seconds * 4))
  while (( tries-- > 0 )); do
    waiting=0
    for name in "${LINKS_UP[@]}"; do
      read_value "$SYSFS/class/net/$name/carrier" && [[ $REPLY == 1 ]] || waiting=1
    done
    (( waiting )) || return 0
    sleep 0.25
  done
}

links_restore() {
  local name
  for name in "${LINKS_UP[@]}"; do
    ip link set dev "$name" down 2>/dev/null || true
  done
  LINKS_UP=()
}

# Addresses per interface from `ip -o addr`, as CIDRs.
read_addresses() {
  NIC_V4=() NIC_V6=()
  command -v ip >/dev/null 2>&1 || return 0
  local _idx name family cidr _rest
  while read -r _idx name family cidr _rest; do
    name=${name%%@*}
    case $family in
      inet) NIC_V4[$name]+="$cidr " ;;
      inet6) NIC_V6[$name]+="$cidr " ;;
    esac
  done < <(ip -o addr show 2>/dev/null)
}

# The boot NIC's MAC: BOOTIF if a NIC has it, else the default route's NIC, else the first NIC with
# carrier, else the first NIC. The service identifies the machine by it.
choose_boot_mac() {
  local name
  if [[ -n $BOOTIF_MAC ]]; then
    for name in "${NIC_NAMES[@]}"; do
      [[ ${NIC_MAC[$name]} != "$BOOTIF_MAC" ]] || { REPLY=$BOOTIF_MAC; return 0; }
    done
    log "BOOTIF $BOOTIF_MAC matches no interface; choosing the boot NIC another way"
  fi
  if [[ -n $ROUTE_DEV && -n ${NIC_MAC[$ROUTE_DEV]:-} ]]; then
    REPLY=${NIC_MAC[$ROUTE_DEV]}
    return 0
  fi
  for name in "${NIC_NAMES[@]}"; do
    if read_value "$SYSFS/class/net/$name/carrier" && [[ $REPLY == 1 ]]; then
      REPLY=${NIC_MAC[$name]}
      return 0
    fi
  done
  REPLY=${NIC_MAC[${NIC_NAMES[0]}]:-}
  [[ -n $REPLY ]]
}

# The PCI address of the device behind an interface: the last PCI-looking part of its sysfs path
# (virtio NICs sit one level below their PCI function).
pci_address() {
  REPLY=''
  local path part parts=()
  path=$(readlink -f "$1" 2>/dev/null) || return 1
  IFS=/ read -r -a parts <<< "$path"
  for part in "${parts[@]}"; do
    [[ $part =~ ^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] && REPLY=$part
  done
  [[ -n $REPLY ]]
}

# addresses_json "CIDR CIDR …": a JSON array of at most MAX_ADDRS strings in REPLY.
addresses_json() {
  local list=() items=() a
  read -r -a list <<< "$1"
  for a in "${list[@]}"; do
    (( ${#items[@]} < MAX_ADDRS )) || break
    json_escape "$a" "$MAX_STR"
    items+=("$REPLY")
  done
  json_array items
}

# nic_json NAME BOOT_MAC: one NIC object in REPLY.
nic_json() {
  local name=$1 boot_mac=$2 dir="$SYSFS/class/net/$1" members=() carrier='' speed='' mtu='' driver='' pci=''
  jm_str members name "$name"
  jm_str members mac "${NIC_MAC[$name]}"
  jm_str members state "${NIC_STATE[$name]:-}"
  read_value "$dir/carrier" && carrier=$REPLY
  jm_bool members carrier "$carrier"
  if read_value "$dir/speed" && [[ $REPLY =~ ^[0-9]+$ ]] && (( REPLY > 0 )); then speed=$REPLY; fi
  jm_int members speed_mbps "$speed"
  if [[ -e $dir/device/driver ]]; then
    driver=$(readlink "$dir/device/driver" 2>/dev/null) && driver=${driver##*/}
  fi
  jm_str members driver "$driver"
  if [[ -e $dir/device ]] && pci_address "$dir/device"; then pci=$REPLY; fi
  jm_str members pci "$pci"
  jm_str members driver_version "${NIC_DRIVER_VERSION[$name]:-}"
  jm_str members firmware "${NIC_FIRMWARE[$name]:-}"
  [[ -n ${NIC_LLDP[$name]:-} ]] && jm_raw members lldp "${NIC_LLDP[$name]}"
  read_value "$dir/mtu" && mtu=$REPLY
  jm_int members mtu "$mtu"
  addresses_json "${NIC_V4[$name]:-}"; jm_raw members ipv4 "$REPLY"
  addresses_json "${NIC_V6[$name]:-}"; jm_raw members ipv6 "$REPLY"
  if [[ ${NIC_MAC[$name]} == "$boot_mac" ]]; then jm_raw members boot true; else jm_raw members boot false; fi
  json_object members
}

# ---------------------------------------------------------------- facts: CPU, memory, disks

# CPU from lscpu: the summary for names and flags, the parseable list for the counts (more reliable
# than "Socket(s)" on arm64 and in VMs).
cpu_json() {
  local members=()
  command -v lscpu >/dev/null 2>&1 || { REPLY='{}'; return 0; }
  local line key value model='' vendor='' mhz='' max_mhz='' flags='' sockets_field='' cores_field=''
  while IFS= read -r line; do
    key=${line%%:*}
    trim "${line#*:}"; value=$REPLY
    case $key in
      'Model name') [[ -n $model ]] || model=$value ;;
      'Vendor ID') [[ -n $vendor ]] || vendor=$value ;;
      'CPU max MHz') max_mhz=$value ;;
      'CPU MHz') mhz=$value ;;
      'Flags') flags=$value ;;
      'Socket(s)') sockets_field=$value ;;
      'Core(s) per socket') cores_field=$value ;;
    esac
  done < <(LC_ALL=C lscpu 2>/dev/null)

  local threads=0 cpu core socket
  local -A cores=() sockets=()
  while IFS=, read -r cpu core socket; do
    [[ $cpu == '#'* || -z $cpu ]] && continue
    threads=$((threads + 1))
    [[ -n $socket ]] && sockets[$socket]=1
    [[ -n $core ]] && cores[$socket,$core]=1
  done < <(LC_ALL=C lscpu -p=CPU,CORE,SOCKET 2>/dev/null)
  local n_sockets=${#sockets[@]} n_cores=${#cores[@]}
  if (( n_sockets == 0 )) && [[ $sockets_field =~ ^[0-9]+$ ]]; then n_sockets=$sockets_field; fi
  if (( n_cores == 0 )) && [[ $cores_field =~ ^[0-9]+$ ]] && (( n_sockets > 0 )); then n_cores=$((cores_field * n_sockets)); fi

  (( n_sockets > 0 )) || n_sockets=''
  (( n_cores > 0 )) || n_cores=''
  (( threads > 0 )) || threads=''
  jm_str members model "$model"
  jm_str members vendor "$vendor"
  jm_int members sockets "$n_sockets"
  jm_int members cores "$n_cores"
  jm_int members threads "$threads"
  jm_num members mhz "${max_mhz:-$mhz}"
  cpu_flags "$flags"
  jm_raw members flags "$REPLY"
  json_object members
}

# Flags rules care about: virtualisation, the x86-64 micro-architecture levels (RHEL 9 needs v2,
# RHEL 10 v3), AES, and whether this is a VM. Not all 100+: they would only fill the host page.
CPU_FLAGS_OF_INTEREST=" vmx svm hypervisor lm nx pae aes pclmulqdq sha_ni rdrand
  cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3
  avx avx2 bmi1 bmi2 f16c fma abm movbe xsave
  avx512f avx512bw avx512cd avx512dq avx512vl
  asimd sve sve2 sha1 sha2 crc32 atomics "

cpu_flags() {
  local items=() all=() f
  read -r -a all <<< "$1"
  for f in "${all[@]}"; do
    [[ $CPU_FLAGS_OF_INTEREST == *[[:space:]]"$f"[[:space:]]* ]] || continue
    json_escape "$f" 64
    items+=("$REPLY")
  done
  json_array items
}

# MemTotal from /proc/meminfo (what the kernel can use), else the online memory lsmem reports.
memory_mib() {
  REPLY=''
  local key value _unit
  if [[ -r /proc/meminfo ]]; then
    while read -r key value _unit; do
      if [[ $key == MemTotal: && $value =~ ^[0-9]+$ ]]; then
        REPLY=$((value / 1024))
        return 0
      fi
    done < /proc/meminfo
  fi
  if command -v lsmem >/dev/null 2>&1; then
    local line
    while IFS= read -r line; do
      if [[ $line =~ ^Total\ online\ memory:[[:space:]]*([0-9]+) ]]; then
        REPLY=$((BASH_REMATCH[1] / 1048576))
        return 0
      fi
    done < <(LC_ALL=C lsmem -b --summary=only 2>/dev/null)
  fi
  return 1
}

# Whole disks from lsblk's KEY="value" output (values hex-escape quotes, backslashes, `$` and
# non-printables, so nothing here is evaluated). zram, loop and ram devices are not disks to install on.
disks_json() {
  local items=() line
  command -v lsblk >/dev/null 2>&1 || { REPLY='[]'; return 0; }
  local columns=NAME,TYPE,SIZE,MODEL,VENDOR,SERIAL,WWN,ROTA,RM,TRAN
  local output
  output=$(LC_ALL=C lsblk -d -b -P -o "$columns" 2>/dev/null) ||
    output=$(LC_ALL=C lsblk -d -b -P -o NAME,TYPE,SIZE,MODEL,SERIAL,ROTA,RM 2>/dev/null) || output=''
  while IFS= read -r line; do
    (( ${#items[@]} < MAX_DISKS )) || break
    disk_json "$line" && items+=("$REPLY")
  done <<< "$output"
  json_array items
}

# disk_json 'NAME="sda" TYPE="disk" …': one disk object in REPLY; fails for what is not a disk.
disk_json() {
  local rest=$1 re='^[[:space:]]*([A-Z_:-]+)="([^"]*)"(.*)$' key value
  local -A col=()
  while [[ $rest =~ $re ]]; do
    key=${BASH_REMATCH[1]}
    printf -v value '%b' "${BASH_REMATCH[2]}"
    rest=${BASH_REMATCH[3]}
    trim "$value"
    col[$key]=$REPLY
  done
  [[ ${col[TYPE]:-} == disk ]] || return 1
  local name=${col[NAME]:-}
  name=${name//\//!}      # cciss/c0d0 is cciss!c0d0 in sysfs
  case $name in zram* | loop* | ram*) return 1 ;; esac
  [[ $name =~ $DEVICE_RE ]] || return 1
  local members=()
  jm_str members name "$name"
  jm_int members size_bytes "${col[SIZE]:-}"
  jm_str members model "${col[MODEL]:-}"
  jm_str members vendor "${col[VENDOR]:-}"
  jm_str members serial "${col[SERIAL]:-}"
  jm_str members wwn "${col[WWN]:-}"
  jm_bool members rotational "${col[ROTA]:-}"
  jm_bool members removable "${col[RM]:-}"
  jm_str members transport "${col[TRAN]:-}"
  json_object members
}

# ---------------------------------------------------------------- facts: DMI, firmware, the rest

# fact key, /sys/class/dmi/id file, dmidecode -s keyword (used only when the file cannot be read)
DMI_FIELDS=(
  "vendor sys_vendor system-manufacturer"
  "product product_name system-product-name"
  "version product_version system-version"
  "serial product_serial system-serial-number"
  "uuid product_uuid system-uuid"
  "sku product_sku system-sku-number"
  "family product_family system-family"
  "bios_vendor bios_vendor bios-vendor"
  "bios_version bios_version bios-version"
  "bios_date bios_date bios-release-date"
  "board_vendor board_vendor baseboard-manufacturer"
  "board_product board_name baseboard-product-name"
  "board_serial board_serial baseboard-serial-number"
  "chassis_vendor chassis_vendor chassis-manufacturer"
  "chassis_type chassis_type chassis-type"
  "chassis_serial chassis_serial chassis-serial-number"
  "chassis_asset_tag chassis_asset_tag chassis-asset-tag"
)

# SMBIOS chassis types as dmidecode names them, so both sources give the same words.
CHASSIS_TYPES=('' Other Unknown Desktop 'Low Profile Desktop' 'Pizza Box' 'Mini Tower' Tower Portable
  Laptop Notebook 'Hand Held' 'Docking Station' 'All In One' 'Sub Notebook' Space-saving 'Lunch Box'
  'Main Server Chassis' 'Expansion Chassis' 'Sub Chassis' 'Bus Expansion Chassis' 'Peripheral Chassis'
  'RAID Chassis' 'Rack Mount Chassis' 'Sealed-case PC' Multi-system CompactPCI AdvancedTCA Blade
  'Blade Enclosing' Tablet Convertible Detachable 'IoT Gateway' 'Embedded PC' 'Mini PC' 'Stick PC')

dmi_json() {
  local members=() field key file keyword value have_dmidecode=0 line
  command -v dmidecode >/dev/null 2>&1 && have_dmidecode=1
  for field in "${DMI_FIELDS[@]}"; do
    read -r key file keyword <<< "$field"
    value=''
    if read_value "$SYSFS/class/dmi/id/$file"; then
      value=$REPLY
      if [[ $key == chassis_type && $value =~ ^[0-9]{1,3}$ ]] && (( 10#$value < ${#CHASSIS_TYPES[@]} )); then
        value=${CHASSIS_TYPES[10#$value]:-$value}
      fi
    elif (( have_dmidecode )); then
      while IFS= read -r line; do
        [[ $line == '#'* ]] && continue
        trim "$line"; value=$REPLY
        break
      done < <(dmidecode -s "$keyword" 2>/dev/null)
    fi
    jm_str members "$key" "$value"
  done
  json_object members
}

# efivar content is 4 attribute bytes then the value; the old sysfs "vars" interface has only the value.
efi_var_byte() {
  REPLY=''
  local f=$1 bytes=()
  [[ -r $f ]] || return 1
  command -v od >/dev/null 2>&1 || return 1
  read -r -a bytes < <(od -An -tu1 -v "$f" 2>/dev/null | tr '\n' ' ')
  (( ${#bytes[@]} > 0 )) || return 1
  REPLY=${bytes[-1]}
}

# Secure Boot is on when SecureBoot is 1 and SetupMode is 0 (anaconda.md §4); unknown is null.
firmware_json() {
  local members=() sb='' setup=''
  if [[ -d $SYSFS/firmware/efi ]]; then
    jm_raw members type '"uefi"'
    local dir=$SYSFS/firmware/efi/efivars old=$SYSFS/firmware/efi/vars
    if efi_var_byte "$dir/SecureBoot-$SECURE_BOOT_GUID" || efi_var_byte "$old/SecureBoot-$SECURE_BOOT_GUID/data"; then sb=$REPLY; fi
    if efi_var_byte "$dir/SetupMode-$SECURE_BOOT_GUID" || efi_var_byte "$old/SetupMode-$SECURE_BOOT_GUID/data"; then setup=$REPLY; fi
    if [[ $sb == 1 && $setup == 0 ]]; then
      jm_raw members secure_boot true
    elif [[ $sb == 0 || $setup == 1 ]]; then
      jm_raw members secure_boot false
    else
      jm_raw members secure_boot null
    fi
  else
    jm_raw members type '"bios"'
    jm_raw members secure_boot false
  fi
  json_object members
}

secure_boot_on() {
  firmware_json
  [[ $REPLY == *'"secure_boot":true'* ]]
}

# /etc/os-release of the installer image (KEY=value, maybe quoted; read, never sourced).
installer_json() {
  local members=() key value
  [[ -r /etc/os-release ]] || { REPLY='{}'; return 0; }
  while IFS='=' read -r key value; do
    case $value in
      \"*\") value=${value:1:${#value}-2}; value=${value//\\\"/\"}; value=${value//\\\\/\\} ;;
      \'*\') value=${value:1:${#value}-2} ;;
    esac
    case $key in
      ID) jm_str members id "$value" ;;
      NAME) jm_str members name "$value" ;;
      VERSION_ID) jm_str members version_id "$value" ;;
      PRETTY_NAME) jm_str members pretty_name "$value" ;;
    esac
  done < /etc/os-release
  json_object members
}

# hide_boot_key CMDLINE: the command line with every kickstand.key=… blanked, in REPLY. The facts are
# kept and shown to every reader of the service; the key goes only in its own header (pre.sh
# register). Greedy .* finds the last occurrence; the loop works leftwards, so it always ends.
hide_boot_key() {
  local rest=$1 out='' re='^(|.*[[:space:]])kickstand\.key=[^[:space:]]*'
  while [[ $rest =~ $re ]]; do
    out="kickstand.key=(hidden)${rest:${#BASH_REMATCH[0]}}$out"
    rest=${BASH_REMATCH[1]}
  done
  REPLY=$rest$out
}

kernel_json() {
  local members=() release='' cmdline=''
  release=$(uname -r 2>/dev/null) || release=''
  jm_str members release "$release"
  read_value "$CMDLINE_FILE" && hide_boot_key "$REPLY" && cmdline=$REPLY
  jm_str members cmdline "$cmdline" "$MAX_LONG_STR"
  # "none [integrity] confidentiality": under lockdown only kexec -s of a signed kernel works (design note §5).
  local lockdown_re='\[([a-z]+)\]'
  read_value "$SYSFS/kernel/security/lockdown" && [[ $REPLY =~ $lockdown_re ]] && jm_str members lockdown "${BASH_REMATCH[1]}"
  json_object members
}

kexec_json() {
  # shellcheck disable=SC2034 # nameref target of jm_raw/jm_str, read by json_object
  local members=() path
  if path=$(command -v kexec 2>/dev/null) && [[ -n $path ]]; then
    jm_raw members available true
    jm_str members path "$path"
  else
    jm_raw members available false
  fi
  json_object members
}

# ---------------------------------------------------------------- facts: the BMC

# The BMC's own view of its LAN channel, read through the local IPMI device the way Ironic's inspector
# does (docs/discovery.md#the-bmc): Kickstand can take the address as the host's BMC (docs/bmc.md).
# The installer has no `timeout` and no `modprobe` (anaconda-tools.txt): a device the kernel did not
# create means no BMC fact, and every ipmitool call gets a deadline of our own, because a wedged BMC
# can leave ipmitool waiting forever and the %pre has no timeout at all (anaconda.md §2).
IPMI_TIMEOUT=10          # seconds for one ipmitool call; the first that runs out ends the BMC probe
IPMI_CHANNELS='1 2 3 4 5 6 7 8'
IPV4_RE='^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$'
ETHER_RE='^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'

# A BMC answers locally only through the IPMI device node (ipmi_devintf): its three historical names.
ipmi_device() {
  local dev
  for dev in "$DEV_DIR/ipmi0" "$DEV_DIR/ipmi/0" "$DEV_DIR/ipmidev/0"; do
    [[ -e $dev ]] && return 0
  done
  return 1
}

# ipmi ARGS…: `ipmitool -I open ARGS` with its output in REPLY; fails when it fails or takes longer
# than IPMI_TIMEOUT (then it is killed and 124 is returned). stdin and stderr go nowhere: nothing of
# ipmitool reaches the %pre's output or waits for a terminal.
ipmi() {
  # bounded (below) with the BMC's own deadline: bash's `local` reaches the functions it calls.
  local TOOL_TIMEOUT=$IPMI_TIMEOUT
  bounded ipmitool -I open "$@"
}

# ipmi_fields TEXT: the "Key : value" lines of ipmitool's output into IPMI_FIELD (key → trimmed value;
# the first occurrence wins; continuation lines, which start with blanks and a colon, are skipped).
declare -gA IPMI_FIELD=()
ipmi_fields() {
  IPMI_FIELD=()
  local line key
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ $line == *:* ]] || continue
    trim "${line%%:*}"; key=$REPLY
    [[ -n $key && -z ${IPMI_FIELD[$key]+set} ]] || continue
    trim "${line#*:}"
    IPMI_FIELD[$key]=$REPLY
  done <<< "$1"
}

# `lan print` of the first LAN channel with an address (else the first LAN channel at all): channel
# number in REPLY_CHANNEL, output in REPLY. Vendors number it differently (Dell and Supermicro 1, HPE
# 2, Intel 3); a channel that is not LAN makes ipmitool fail. Fails when none answers, or on a timeout.
ipmi_lan_channel() {
  REPLY_CHANNEL='' REPLY=''
  local ch out first='' first_channel='' rc
  for ch in $IPMI_CHANNELS; do
    rc=0
    ipmi lan print "$ch" || rc=$?
    (( rc != 124 )) || return 124
    (( rc == 0 )) || continue
    out=$REPLY
    ipmi_fields "$out"
    [[ -n ${IPMI_FIELD['IP Address']:-} ]] || continue
    if [[ ${IPMI_FIELD['IP Address']} =~ $IPV4_RE && ${IPMI_FIELD['IP Address']} != 0.0.0.0 ]]; then
      REPLY_CHANNEL=$ch REPLY=$out
      return 0
    fi
    [[ -n $first_channel ]] || { first_channel=$ch; first=$out; }
  done
  [[ -n $first_channel ]] || return 1
  REPLY_CHANNEL=$first_channel REPLY=$first
}

# IPMI's names for the address source (ipmitool lanp.c) as the fact's words.
ipmi_ip_source() {
  case ${1,,} in
    static*) REPLY=static ;;
    dhcp*) REPLY=dhcp ;;
    bios*) REPLY=bios ;;
    unspecified*) REPLY=none ;;
    '') REPLY='' ;;
    *) REPLY=other ;;
  esac
}

# bmc_json: the BMC object in REPLY; fails (no fact at all) when there is no device, no ipmitool, or
# the BMC answers neither `lan print` nor `mc info`. Only values of the schema's shapes are reported:
# an address that is not a dotted quad is left out rather than sent to be refused.
bmc_json() {
  REPLY=''
  ipmi_device || return 1
  command -v ipmitool > /dev/null 2>&1 || return 1
  # shellcheck disable=SC2034 # nameref target of the jm_* helpers, read by json_object
  local members=() lan='' channel='' mc='' rc=0 v
  ipmi_lan_channel || rc=$?
  if (( rc == 0 )); then lan=$REPLY channel=$REPLY_CHANNEL; fi
  if (( rc != 124 )) && ipmi mc info; then mc=$REPLY; fi
  [[ -n $lan || -n $mc ]] || { log "an IPMI device is present but the BMC did not answer"; return 1; }

  if [[ -n $lan ]]; then
    ipmi_fields "$lan"
    jm_int members channel "$channel"
    ipmi_ip_source "${IPMI_FIELD['IP Address Source']:-}"
    jm_str members ip_source "$REPLY"
    for v in 'ip:IP Address' 'netmask:Subnet Mask' 'gateway:Default Gateway IP'; do
      [[ ${IPMI_FIELD[${v#*:}]:-} =~ $IPV4_RE ]] && jm_str members "${v%%:*}" "${IPMI_FIELD[${v#*:}]}"
    done
    v=${IPMI_FIELD['MAC Address']:-}
    v=${v,,}
    [[ $v =~ $ETHER_RE ]] && jm_str members mac "$v"
    # "Disabled", or the VLAN ID (1-4094) the BMC tags its traffic with.
    v=${IPMI_FIELD['802.1q VLAN ID']:-}
    if [[ $v =~ ^[0-9]{1,4}$ ]] && (( 10#$v >= 1 && 10#$v <= 4094 )); then jm_int members vlan "$v"; else jm_raw members vlan null; fi
  fi
  if [[ -n $mc ]]; then
    ipmi_fields "$mc"
    jm_str members manufacturer "${IPMI_FIELD['Manufacturer Name']:-}"
    v=${IPMI_FIELD['Manufacturer ID']:-}
    [[ $v =~ ^[0-9]{1,7}$ ]] && (( 10#$v <= 1048575 )) && jm_int members manufacturer_id "$v"
    # "6996 (0x1b54)": the decimal number before the hex one.
    v=${IPMI_FIELD['Product ID']:-}
    v=${v%% *}
    [[ $v =~ ^[0-9]{1,5}$ ]] && (( 10#$v <= 65535 )) && jm_int members product_id "$v"
    jm_str members firmware "${IPMI_FIELD['Firmware Revision']:-}" 64
    v=${IPMI_FIELD['IPMI Version']:-}
    [[ $v =~ ^[0-9]{1,2}\.[0-9]{1,2}$ ]] && jm_str members ipmi_version "$v"
  fi
  json_object members
}

# ---------------------------------------------------------------- facts: inventory (PCI, NIC firmware, DIMMs, TPM)

# docs/discovery.md#pci-devices and the sections after it. Every tool call gets a deadline and an
# output cap of our own (bounded): the %pre has no timeout (anaconda.md §2) and the installer no
# `timeout` command, and a wedged device can leave lspci, ethtool or dmidecode waiting forever.
TOOL_TIMEOUT=10          # seconds for one lspci, ethtool, dmidecode or lldptool call
TOOL_MAX_BYTES=1048576   # what is read of one call's output; the rest is never looked at
MAX_PCI=256
MAX_DIMMS=256
PCI_SLOT_RE='^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'
DRIVER_RE='^[A-Za-z0-9_.+-]{1,64}$'
DIMM_SIZE_RE='^([0-9]{1,9})[[:space:]]*(kB|KB|MB|GB|TB)$'
DIMM_SPEED_RE='^([0-9]{1,6})[[:space:]]*(MT/s|MHz)$'
PCI_UNNAMED_RE='^(Device|Class|Vendor|Unknown (device|vendor|class))( [0-9a-fA-F]{4})?$'

# bounded CMD ARGS…: CMD's output (at most TOOL_MAX_BYTES) in REPLY; fails when it fails, and with
# 124 when it takes longer than TOOL_TIMEOUT (it is then killed). No stdin, stderr goes nowhere.
bounded() {
  REPLY=''
  local out rc=0
  out=$(
    "$@" 2> /dev/null < /dev/null > >(head -c "$TOOL_MAX_BYTES") &
    tool=$!
    ticks=0
    while kill -0 "$tool" 2> /dev/null; do
      if (( ticks++ >= TOOL_TIMEOUT * 20 )); then
        kill -KILL "$tool" 2> /dev/null
        exit 124
      fi
      sleep 0.05
    done
    wait "$tool"
  ) || rc=$?
  REPLY=$out
  return "$rc"
}

# pci_name_id 'Ethernet controller [0200]': the name in REPLY_NAME and the 4-digit id lspci -nn adds
# (lower case) in REPLY_ID; a value without one is all name.
pci_name_id() {
  REPLY_NAME=$1 REPLY_ID=''
  local re='^(.*[^[:space:]])?[[:space:]]*\[([0-9a-fA-F]{4})\]$'
  if [[ $1 =~ $re ]]; then
    REPLY_NAME=${BASH_REMATCH[1]}
    REPLY_ID=${BASH_REMATCH[2],,}
  fi
  # What lspci prints for an id its pci.ids does not know: no name at all.
  [[ ! $REPLY_NAME =~ $PCI_UNNAMED_RE ]] || REPLY_NAME=''
}

# pci_device_json (reads the associative array PCI_REC): one pci[] object in REPLY; fails without a
# usable slot. Ids and revision only in their schema shapes; names are text, length-capped.
declare -gA PCI_REC=()
pci_device_json() {
  local slot=${PCI_REC[slot]:-} v
  slot=${slot,,}
  [[ $slot =~ $PCI_SLOT_RE ]] || return 1
  # shellcheck disable=SC2034 # nameref target of the jm_* helpers, read by json_object
  local members=()
  jm_str members slot "$slot"
  for v in class vendor device; do
    pci_name_id "${PCI_REC[$v]:-}"
    jm_str members "$v" "$REPLY_NAME"
    [[ -n ${PCI_REC[${v}_id]:-} ]] && REPLY_ID=${PCI_REC[${v}_id]}
    [[ $REPLY_ID =~ ^[0-9a-f]{4}$ ]] && jm_str members "${v}_id" "$REPLY_ID"
  done
  jm_str members subsystem_vendor "${PCI_REC[svendor]:-}"
  jm_str members subsystem_device "${PCI_REC[sdevice]:-}"
  v=${PCI_REC[rev]:-}
  v=${v,,}
  [[ $v =~ ^[0-9a-f]{2}$ ]] && jm_str members revision "$v"
  v=${PCI_REC[driver]:-}
  [[ $v =~ $DRIVER_RE ]] && jm_str members driver "$v"
  json_object members
}

# `lspci -vmm -nn -k -D`'s records ("Key:<tab>value" lines, a blank line between devices) as pci[]
# items appended to the array named by $1. lspci before 3.x names the slot "Device:" too, first.
pci_from_lspci() {
  local -n pl_items=$1
  local line key value
  PCI_REC=()
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if [[ -z $line ]]; then
      if [[ -n ${PCI_REC[slot]:-} ]] && (( ${#pl_items[@]} < MAX_PCI )) && pci_device_json; then pl_items+=("$REPLY"); fi
      PCI_REC=()
      continue
    fi
    [[ $line == *:* ]] || continue
    key=${line%%:*}
    trim "${line#*:}"; value=$REPLY
    case $key in
      Slot) PCI_REC[slot]=$value ;;
      Class) PCI_REC[class]=$value ;;
      Vendor) PCI_REC[vendor]=$value ;;
      Device) if [[ -z ${PCI_REC[slot]:-} ]]; then PCI_REC[slot]=$value; else PCI_REC[device]=$value; fi ;;
      SVendor) PCI_REC[svendor]=$value ;;
      SDevice) PCI_REC[sdevice]=$value ;;
      Rev) PCI_REC[rev]=$value ;;
      Driver) PCI_REC[driver]=$value ;;
    esac
  done <<< "$2"
  if [[ -n ${PCI_REC[slot]:-} ]] && (( ${#pl_items[@]} < MAX_PCI )) && pci_device_json; then pl_items+=("$REPLY"); fi
  PCI_REC=()
}

# The same from sysfs (no lspci, or it failed): ids only, no names; the driver from the link.
pci_from_sysfs() {
  local -n ps_items=$1
  local dir v
  for dir in "$SYSFS"/bus/pci/devices/*; do
    (( ${#ps_items[@]} < MAX_PCI )) || break
    PCI_REC=([slot]=${dir##*/})
    read_value "$dir/class" && [[ $REPLY =~ ^0x([0-9a-fA-F]{4})[0-9a-fA-F]{2}$ ]] && PCI_REC[class_id]=${BASH_REMATCH[1],,}
    for v in vendor device; do
      read_value "$dir/$v" && [[ $REPLY =~ ^0x([0-9a-fA-F]{4})$ ]] && PCI_REC[${v}_id]=${BASH_REMATCH[1],,}
    done
    read_value "$dir/subsystem_vendor" && [[ $REPLY =~ ^0x([0-9a-fA-F]{4})$ ]] && PCI_REC[svendor]=${BASH_REMATCH[1],,}
    read_value "$dir/subsystem_device" && [[ $REPLY =~ ^0x([0-9a-fA-F]{4})$ ]] && PCI_REC[sdevice]=${BASH_REMATCH[1],,}
    read_value "$dir/revision" && [[ $REPLY =~ ^0x([0-9a-fA-F]{2})$ ]] && PCI_REC[rev]=${BASH_REMATCH[1]}
    if [[ -e $dir/driver ]]; then
      v=$(readlink "$dir/driver" 2> /dev/null) && PCI_REC[driver]=${v##*/}
    fi
    pci_device_json && ps_items+=("$REPLY")
  done
  PCI_REC=()
}

# pci_json: the pci[] array in REPLY; fails (no pci key) when neither lspci nor sysfs lists a device.
pci_json() {
  local items=() rc=0
  if command -v lspci > /dev/null 2>&1; then
    bounded lspci -vmm -nn -k -D || rc=$?
    (( rc != 124 )) || log "lspci did not answer in ${TOOL_TIMEOUT}s: PCI devices from sysfs"
    if (( rc == 0 )); then pci_from_lspci items "$REPLY"; fi
  fi
  (( ${#items[@]} > 0 )) || pci_from_sysfs items
  (( ${#items[@]} > 0 )) || return 1
  json_array items
}

# `ethtool -i NIC` per NIC: the driver's version and the firmware version (NIC_DRIVER_VERSION,
# NIC_FIRMWARE). The first call that runs out of time ends the probe: the others would too.
declare -gA NIC_DRIVER_VERSION=() NIC_FIRMWARE=()
read_nic_firmware() {
  NIC_DRIVER_VERSION=() NIC_FIRMWARE=()
  command -v ethtool > /dev/null 2>&1 || return 0
  local name line value rc n=0
  for name in "${NIC_NAMES[@]}"; do
    (( n++ < MAX_NICS )) || break
    rc=0
    bounded ethtool -i "$name" || rc=$?
    if (( rc == 124 )); then
      log "ethtool -i $name did not answer in ${TOOL_TIMEOUT}s: no more NIC firmware facts"
      break
    fi
    (( rc == 0 )) || continue
    while IFS= read -r line; do
      trim "${line#*:}"; value=$REPLY
      [[ -n $value && $value != N/A ]] || continue
      case $line in
        version:*) NIC_DRIVER_VERSION[$name]=$value ;;
        firmware-version:*) NIC_FIRMWARE[$name]=$value ;;
      esac
    done <<< "$REPLY"
  done
}

# dmidecode's size words to MiB: "16 GB", "16384 MB", "1 TB"; anything else (No Module Installed,
# Not Installed, Unknown, 0) fails: an empty slot.
dimm_size_mib() {
  REPLY=''
  [[ $1 =~ $DIMM_SIZE_RE ]] || return 1
  local n=$((10#${BASH_REMATCH[1]}))
  case ${BASH_REMATCH[2]} in
    kB | KB) n=$((n / 1024)) ;;
    GB) n=$((n * 1024)) ;;
    TB) n=$((n * 1024 * 1024)) ;;
  esac
  (( n > 0 )) || return 1
  REPLY=$n
}

declare -gA DIMM_REC=()
dimm_json() {
  dimm_size_mib "${DIMM_REC[Size]:-}" || return 1
  # shellcheck disable=SC2034 # nameref target of the jm_* helpers, read by json_object
  local members=() size=$REPLY key field value speed=''
  for field in 'locator:Locator' 'bank:Bank Locator' 'type:Type' 'manufacturer:Manufacturer' \
    'part_number:Part Number' 'serial:Serial Number'; do
    key=${field%%:*}
    value=${DIMM_REC[${field#*:}]:-}
    case ${value,,} in 'not specified' | unknown | 'not provided' | none | other) value='' ;; esac
    jm_str members "$key" "$value"
  done
  jm_int members size_mib "$size"
  [[ ${DIMM_REC[Speed]:-} =~ $DIMM_SPEED_RE ]] && speed=${BASH_REMATCH[1]}
  jm_int members speed_mts "$speed"
  json_object members
}

# dimms_json: the installed modules from `dmidecode -t 17` in REPLY; fails when dmidecode is absent,
# fails, or lists none (a VM without SMBIOS memory devices).
dimms_json() {
  REPLY=''
  command -v dmidecode > /dev/null 2>&1 || return 1
  bounded dmidecode -t 17 || return 1
  local items=() line key in_device=0
  DIMM_REC=()
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if [[ $line == 'Memory Device' ]]; then
      in_device=1
      continue
    fi
    if [[ $line != [[:space:]]* ]]; then
      # A handle line, a blank line or another type: the device before it, if any, is complete.
      if (( in_device )) && (( ${#items[@]} < MAX_DIMMS )) && dimm_json; then items+=("$REPLY"); fi
      in_device=0
      DIMM_REC=()
      continue
    fi
    if (( ! in_device )) || [[ $line != *:* ]]; then continue; fi
    trim "${line%%:*}"; key=$REPLY
    [[ -z ${DIMM_REC[$key]+set} ]] || continue
    trim "${line#*:}"
    DIMM_REC[$key]=$REPLY
  done <<< "$REPLY"
  if (( in_device )) && (( ${#items[@]} < MAX_DIMMS )) && dimm_json; then items+=("$REPLY"); fi
  DIMM_REC=()
  (( ${#items[@]} > 0 )) || return 1
  json_array items
}

# tpm_json: /sys/class/tpm/tpm0 in REPLY; fails (no tpm key) without one. A TPM 2.0 has
# tpm_version_major; a 1.2 has not, but has caps, whose Manufacturer is a 4-byte vendor id in ASCII
# (0x49465800: IFX) that we spell out when it is printable.
tpm_json() {
  REPLY=''
  local dir=$SYSFS/class/tpm/tpm0 version=1.2 line id name='' i c
  [[ -e $dir ]] || return 1
  # shellcheck disable=SC2034 # nameref target of the jm_* helpers, read by json_object
  local members=()
  jm_raw members present true
  if read_value "$dir/tpm_version_major"; then
    case $REPLY in
      2) version=2.0 ;;
      1) version=1.2 ;;
      *) version='' ;;
    esac
  fi
  jm_str members version "$version"
  if [[ -r $dir/device/caps ]]; then
    while IFS= read -r line; do
      [[ $line =~ ^Manufacturer:[[:space:]]*0x([0-9a-fA-F]{8})$ ]] || continue
      id=${BASH_REMATCH[1]}
      for (( i = 0; i < 8; i += 2 )); do
        c=$((16#${id:i:2}))
        if (( c >= 33 && c <= 126 )); then printf -v c %b "\\x${id:i:2}"; name+=$c; fi
      done
      jm_str members manufacturer "${name:-0x$id}"
      break
    done < "$dir/device/caps"
  fi
  json_object members
}

# ---------------------------------------------------------------- facts: LLDP neighbours

# The switch port each NIC is cabled to (docs/discovery.md#lldp). lldpad comes with fcoe-utils, which
# anaconda-install-img-deps pulls in on x86_64 only, and runs only when FCoE is set up: when lldptool
# is there and lldpad answers its ping (`lldptool -p`) we ask it; otherwise the %pre listens itself,
# one python3 process (always in Anaconda's image) with a raw socket per NIC, for at most LLDP_WAIT
# seconds (switches send every 30 s by default). It listens while the other facts are read, so the
# wait mostly overlaps them.
declare -gA NIC_LLDP=()
LLDP_FD=''
LLDP_PID=''

# The listener. Arguments: sysfs root, wait in seconds, link wait in seconds, NIC names. It prints one
# line per NIC heard, comma-separated: name, then chassis id, system name, port id, port description, management
# address (each as hex of at most 256 bytes, so no byte of the frame reaches the shell as it is), and
# the port VLAN id (digits). A NIC without carrier after the link wait is given up; all heard or given
# up ends the wait early.
read -r -d '' LLDP_CAPTURE_PY << 'PYTHON' || true
import os, select, socket, struct, sys, time

ETH_P_LLDP = 0x88CC
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
GROUPS = (bytes.fromhex("0180c200000e"), bytes.fromhex("0180c2000003"), bytes.fromhex("0180c2000000"))
CAP = 256

sysfs, wait, link_wait = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
deadline = start + wait


def carrier(name):
    try:
        with open(os.path.join(sysfs, "class/net", name, "carrier")) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def mac(b):
    return ":".join("%02x" % x for x in b)


def address(family, b):
    if family == 1 and len(b) == 4:
        return socket.inet_ntop(socket.AF_INET, b)
    if family == 2 and len(b) == 16:
        return socket.inet_ntop(socket.AF_INET6, b)
    return None


def ident(subtype, b, mac_subtype, addr_subtype):
    if subtype == mac_subtype and len(b) == 6:
        return mac(b)
    if subtype == addr_subtype and len(b) > 1:
        return address(b[0], b[1:]) or b[1:]
    return b


def parse(frame):
    if len(frame) < 16 or frame[0:6] not in GROUPS or frame[12:14] != b"\x88\xcc":
        return None
    n = {}
    i = 14
    while i + 2 <= len(frame):
        head = (frame[i] << 8) | frame[i + 1]
        kind, size = head >> 9, head & 0x1FF
        v = frame[i + 2 : i + 2 + size]
        i += 2 + size
        if kind == 0 or len(v) < size:
            break
        if kind == 1 and size >= 2 and "chassis" not in n:
            n["chassis"] = ident(v[0], v[1:], 4, 5)
        elif kind == 2 and size >= 2 and "port" not in n:
            n["port"] = ident(v[0], v[1:], 3, 4)
        elif kind == 4 and "desc" not in n:
            n["desc"] = v
        elif kind == 5 and "name" not in n:
            n["name"] = v
        elif kind == 8 and size >= 3 and "mgmt" not in n:
            a = address(v[1], v[2 : 1 + v[0]])
            if a:
                n["mgmt"] = a
        elif kind == 127 and size == 6 and v[0:4] == b"\x00\x80\xc2\x01" and "vlan" not in n:
            n["vlan"] = struct.unpack("!H", v[4:6])[0]
    return n if "chassis" in n else None


def out(v):
    if isinstance(v, str):
        v = v.encode()
    return (v or b"").replace(b"\x00", b"")[:CAP].hex()


socks = {}
for name in sys.argv[4:]:
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_LLDP))
        s.bind((name, ETH_P_LLDP))
        mreq = struct.pack("iHH8s", socket.if_nametoindex(name), PACKET_MR_MULTICAST, 6, GROUPS[0])
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        s.setblocking(False)
        socks[s] = name
    except OSError:
        pass

heard = {}
while socks:
    now = time.monotonic()
    if now >= deadline:
        break
    if now - start >= link_wait:
        for s, name in list(socks.items()):
            if not carrier(name):
                s.close()
                del socks[s]
        if not socks:
            break
    ready = select.select(list(socks), [], [], min(deadline - now, 0.5))[0]
    for s in ready:
        try:
            frame, where = s.recvfrom(9216)
        except OSError:
            continue
        # Frames this machine sends itself (PACKET_OUTGOING) are not a neighbour's.
        n = parse(frame) if where[2] != getattr(socket, "PACKET_OUTGOING", 4) else None
        if n:
            heard[socks[s]] = n
            s.close()
            del socks[s]

for name, n in heard.items():
    vlan = n.get("vlan")
    fields = [name] + [out(n.get(k)) for k in ("chassis", "name", "port", "desc", "mgmt")]
    print(",".join(fields + [str(vlan) if vlan else ""]), flush=True)
PYTHON

# unhex HEX: the bytes HEX spells, in REPLY (NUL bytes were dropped by the listener).
unhex() {
  REPLY=''
  local h=$1 esc='' i
  [[ $h =~ ^([0-9a-f]{2}){0,256}$ ]] || return 1
  for (( i = 0; i < ${#h}; i += 2 )); do esc+="\\x${h:i:2}"; done
  printf -v REPLY '%b' "$esc"
}

# lldp_neighbour_json CHASSIS SWITCH PORT PORT_DESCRIPTION VLAN MGMT SOURCE: the neighbour object in
# REPLY; fails when it names neither a chassis nor a port. VLAN and address only in their shapes.
lldp_neighbour_json() {
  [[ -n $1 || -n $3 ]] || return 1
  # shellcheck disable=SC2034 # nameref target of the jm_* helpers, read by json_object
  local members=() chassis=$1
  [[ ${chassis,,} =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] && chassis=${chassis,,}
  jm_str members chassis_id "$chassis"
  jm_str members switch "$2"
  jm_str members port "$3"
  jm_str members port_description "$4"
  if [[ $5 =~ ^[0-9]{1,4}$ ]] && (( 10#$5 >= 1 && 10#$5 <= 4094 )); then jm_int members vlan "$5"; else jm_raw members vlan null; fi
  if [[ $6 =~ $IPV4_RE || ( $6 =~ ^[0-9A-Fa-f:.]{2,45}$ && $6 == *:* ) ]]; then jm_str members mgmt_ip "$6"; fi
  jm_str members source "$7"
  json_object members
}

# The NICs worth listening on: every listed NIC (virtual ones too: a bridge or veth hears LLDP).
lldp_start() {
  NIC_LLDP=() LLDP_FD='' LLDP_PID=''
  [[ $LLDP_WAIT =~ ^[0-9]{1,4}$ ]] && (( 10#$LLDP_WAIT > 0 )) || return 0
  command -v python3 > /dev/null 2>&1 || return 0
  local settle=5
  [[ $LINK_WAIT =~ ^[0-9]{1,3}$ ]] && settle=$((10#$LINK_WAIT))
  exec {LLDP_FD}< <(exec python3 -c "$LLDP_CAPTURE_PY" "$SYSFS" "$((10#$LLDP_WAIT))" "$settle" \
    "${NIC_NAMES[@]:0:MAX_NICS}" 2> /dev/null < /dev/null)
  LLDP_PID=$!
}

# lldptool_json NIC: lldpad's neighbour on NIC (`lldptool -t -n -i NIC`) in REPLY. The TLV names are
# lines of their own, the values below them indented by a tab; a value's first line is what we take,
# without lldptool's "MAC: " / "Ifname: " / "IPv4: " words. Other lines (a multi-line System
# Description) are skipped.
lldptool_json() {
  bounded lldptool -t -n -i "$1" || return 1
  local line tlv='' value re='^[A-Za-z][A-Za-z0-9 ]{0,24}: (.+)$'
  local -A got=()
  while IFS= read -r line; do
    line=${line%$'\r'}
    if [[ $line != $'\t'* ]]; then
      tlv=${line% TLV}
      continue
    fi
    trim "$line"; value=$REPLY
    case $tlv in
      'Chassis ID' | 'Port ID' | 'Port Description' | 'System Name') ;;
      'Management Address') [[ $value == IPv4:* || $value == IPv6:* ]] || continue ;;
      'Port VLAN ID') [[ $value == PVID:* ]] || continue ;;
      *) continue ;;
    esac
    [[ -z ${got[$tlv]+set} ]] || continue
    [[ $tlv == 'Port Description' || $tlv == 'System Name' ]] || { [[ $value =~ $re ]] && value=${BASH_REMATCH[1]}; }
    got[$tlv]=$value
  done <<< "$REPLY"
  lldp_neighbour_json "${got['Chassis ID']:-}" "${got['System Name']:-}" "${got['Port ID']:-}" \
    "${got['Port Description']:-}" "${got['Port VLAN ID']:-}" "${got['Management Address']:-}" lldptool
}

# lldp_collect: NIC_LLDP[nic] = neighbour JSON, from lldpad for the NICs with carrier when it runs,
# then from the listener for the rest. Never waits longer than the listener's own bound (plus 5 s).
lldp_collect() {
  local name line rest chassis sysname port desc mgmt vlan n=0 linked=0 answered=0
  # `lldptool -p` pings lldpad; it fails ("Failed to connect to lldpad") when lldpad does not run.
  if command -v lldptool > /dev/null 2>&1 && bounded lldptool -p; then
    for name in "${NIC_NAMES[@]}"; do
      (( n++ < MAX_NICS )) || break
      if ! read_value "$SYSFS/class/net/$name/carrier" || [[ $REPLY != 1 ]]; then continue; fi
      linked=$((linked + 1))
      if lldptool_json "$name"; then
        NIC_LLDP[$name]=$REPLY
        answered=$((answered + 1))
      fi
    done
  fi
  [[ -n $LLDP_FD ]] || return 0
  # lldpad knew every linked NIC's neighbour: nothing left to listen for.
  local end=$((SECONDS + 10#$LLDP_WAIT + 5))
  (( linked == 0 || answered < linked )) || end=0
  while (( SECONDS < end )) && IFS= read -r -t "$((end - SECONDS))" -u "$LLDP_FD" line; do
    IFS=, read -r name chassis sysname port desc mgmt vlan rest <<< "$line"
    [[ -n ${NIC_MAC[$name]:-} && -z ${NIC_LLDP[$name]:-} ]] || continue
    unhex "$chassis" || continue
    chassis=$REPLY
    unhex "$sysname" || continue
    sysname=$REPLY
    unhex "$port" || continue
    port=$REPLY
    unhex "$desc" || continue
    desc=$REPLY
    unhex "$mgmt" || continue
    mgmt=$REPLY
    lldp_neighbour_json "$chassis" "$sysname" "$port" "$desc" "$vlan" "$mgmt" capture && NIC_LLDP[$name]=$REPLY
  done
  kill -KILL "$LLDP_PID" 2> /dev/null
  exec {LLDP_FD}<&-
  LLDP_FD='' LLDP_PID=''
}

# ---------------------------------------------------------------- facts: all together

BOOT_MAC=''

# gather_facts: print the facts JSON (src/schemas/facts.ts). Sets BOOT_MAC; fails without any NIC.
gather_facts() {
  read_bootif
  list_nics
  if (( ${#NIC_NAMES[@]} == 0 )); then
    log "no network interface with a MAC address found"
    return 1
  fi
  find_route_dev
  links_up
  # The LLDP listener starts now and the slow parts run meanwhile: CPU, memory and disks are read
  # while the ports we brought up negotiate and the switches send their next LLDPDU.
  lldp_start
  local facts=() value
  jm_raw facts format 1
  jm_str facts arch "$(uname -m 2>/dev/null)"
  jm_str facts hostname "${HOSTNAME:-}"
  kernel_json; jm_raw facts kernel "$REPLY"
  installer_json; jm_raw facts installer "$REPLY"
  cpu_json; jm_raw facts cpu "$REPLY"
  value=''; memory_mib && value=$REPLY
  jm_int facts memory_mib "$value"
  disks_json; jm_raw facts disks "$REPLY"
  dmi_json; jm_raw facts dmi "$REPLY"
  firmware_json; jm_raw facts firmware "$REPLY"
  kexec_json; jm_raw facts kexec "$REPLY"
  # Only when a BMC answers: a machine without one reports no "bmc" key at all.
  if bmc_json; then jm_raw facts bmc "$REPLY"; fi
  # stage.sh is pasted after this file in the stub; a %pre without it reports no stage fact.
  if declare -F stage_json >/dev/null; then stage_json; jm_raw facts stage "$REPLY"; fi
  # Inventory: each key only when its source had something to say (docs/discovery.md#pci-devices).
  if pci_json; then jm_raw facts pci "$REPLY"; fi
  if dimms_json; then jm_raw facts dimms "$REPLY"; fi
  if tpm_json; then jm_raw facts tpm "$REPLY"; else jm_raw facts tpm '{"present":false}'; fi

  links_wait
  read_addresses
  read_nic_firmware
  lldp_collect
  choose_boot_mac || return 1
  BOOT_MAC=$REPLY
  local nics=() name boot_listed=0
  for name in "${NIC_NAMES[@]}"; do
    (( ${#nics[@]} < MAX_NICS )) || break
    # The schema takes 64 NICs; keep the last place for the boot NIC if it has not come yet.
    if [[ ${NIC_MAC[$name]} == "$BOOT_MAC" ]]; then
      boot_listed=1
    elif (( ${#nics[@]} == MAX_NICS - 1 && ! boot_listed )); then
      continue
    fi
    nic_json "$name" "$BOOT_MAC"
    nics+=("$REPLY")
  done
  links_restore
  jm_str facts boot_mac "$BOOT_MAC"
  json_array nics; jm_raw facts nics "$REPLY"
  json_object facts
  printf '%s\n' "$REPLY"
}

# minimal_facts: only what the service needs to know the machine (used when it refuses the full set).
minimal_facts() {
  # shellcheck disable=SC2034 # facts and nic are nameref targets of jm_raw/jm_str, read by json_object
  local facts=() nics=() nic name
  jm_raw facts format 1
  jm_str facts boot_mac "$BOOT_MAC"
  for name in "${NIC_NAMES[@]}"; do
    (( ${#nics[@]} < MAX_NICS )) || break
    # shellcheck disable=SC2034 # nameref target of jm_str/jm_raw, read by json_object
    nic=()
    jm_str nic name "$name"
    jm_str nic mac "${NIC_MAC[$name]}"
    if [[ ${NIC_MAC[$name]} == "$BOOT_MAC" ]]; then jm_raw nic boot true; else jm_raw nic boot false; fi
    json_object nic
    nics+=("$REPLY")
  done
  json_array nics; jm_raw facts nics "$REPLY"
  json_object facts
  printf '%s\n' "$REPLY"
}
