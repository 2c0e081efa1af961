# shellcheck shell=bash
# Kickstand discovery %pre, part 3 of 3: settings, the register/poll loop, the answers and main.
#
# The stub kickstart (kickstarts/stub.ks.njk) pastes json.sh, facts.sh and this file, in this order,
# into its %pre, which Anaconda runs with bash, not chrooted, before it reads the %include. This part
# registers the machine's facts with Kickstand, then polls until an admin decides what the machine
# does: install (the final kickstart becomes the %include file), kexec into another installer, or
# reboot. docs/discovery.md describes the protocol, every fact and every error path.
#
# Rules for all three parts (docs/discovery.md; Anaconda facts in anaconda.md §2):
# - Only commands from test/fixtures/anaconda-tools.txt; optional ones behind `command -v`.
# - No line may start with a percent sign: pykickstart would read it as a section header.
# - The %include file is written on every way out (EXIT trap), or Anaconda aborts.
# - The host token is never printed: this output and the script are copied into the installed system.
# - Nothing times out by itself (Anaconda puts no timeout on %pre): the loop owns its deadline.
#
# Knobs (environment, for tests; the defaults are what runs in the installer):
#   KICKSTAND_URL         base URL of the service (the stub sets it)
#   KICKSTAND_KS_OUT      the %include file            (default /tmp/kickstand.ks)
#   KICKSTAND_STATE_DIR   scratch files                (default /tmp/kickstand)
#   KICKSTAND_CMDLINE     kernel command line file     (default /proc/cmdline)
#   KICKSTAND_VT          VT for progress, or "none"   (default 8)
#   KICKSTAND_VT_DEVICE   what to open for that VT     (default /dev/ttyN)
#   KICKSTAND_SYSFS       sysfs root                   (default /sys)
#   KICKSTAND_DEV         what stands for /dev: the IPMI device check, the stage's disks (default /dev)
#   KICKSTAND_LINK_WAIT   seconds to wait for carrier on ports brought up for the probe (default 5)
#   KICKSTAND_LLDP_WAIT   seconds to listen for LLDP neighbours; 0 = off (the stub sets it from the
#                         service's KICKSTAND_LLDP_WAIT; default 35)
#   KICKSTAND_SOURCE_ONLY=1  define everything, do not run main (tests)

set -u
set -o pipefail
shopt -s nullglob
# Bytes, not characters: in a UTF-8 locale bash's `read` swallows the newline after an invalid byte
# (one broken DMI string would eat the next line), and lscpu/lsblk must answer in English.
export LC_ALL=C

KS_OUT=${KICKSTAND_KS_OUT:-/tmp/kickstand.ks}
STATE_DIR=${KICKSTAND_STATE_DIR:-/tmp/kickstand}
CMDLINE_FILE=${KICKSTAND_CMDLINE:-/proc/cmdline}
VT=${KICKSTAND_VT:-8}
SYSFS=${KICKSTAND_SYSFS:-/sys}
# shellcheck disable=SC2034 # read by facts.sh (links_wait); the stub pastes all three files into one %pre
LINK_WAIT=${KICKSTAND_LINK_WAIT:-5}
# shellcheck disable=SC2034 # read by facts.sh (lldp_start, lldp_collect)
LLDP_WAIT=${KICKSTAND_LLDP_WAIT:-35}
# shellcheck disable=SC2034 # read by facts.sh (ipmi_device)
DEV_DIR=${KICKSTAND_DEV:-/dev}

CONNECT_TIMEOUT=10      # seconds for curl to connect
REQUEST_TIMEOUT=30      # seconds for one API call
DOWNLOAD_TIMEOUT=1800   # seconds for one kexec kernel or initrd
BACKOFF_CAP=60          # seconds, longest wait between failed attempts
RETRY_AFTER_MIN=1       # bounds on the server's Retry-After
RETRY_AFTER_MAX=300

# ---------------------------------------------------------------- logging and the progress VT

STATUS_STATE='starting'
STATUS_HOST='-'
STATUS_ERROR=''
VT_FD=''
VT_PREV=''

log() {
  local now
  printf -v now '%(%Y-%m-%d %H:%M:%S)T' -1
  printf '%s kickstand: %s\n' "$now" "$*" >&2
}

set_state() {
  STATUS_STATE=$1
  log "$1"
  vt_draw
}

set_error() {
  STATUS_ERROR=$1
  log "error: $1"
  vt_draw
}

# Anaconda owns tty1 (tmux) and logind may put a root shell on VTs up to 6, so progress goes to a VT
# above 6: open it first, then switch to it (anaconda.md §2). Nothing here may fail the script.
vt_open() {
  [[ $VT =~ ^[0-9]{1,2}$ ]] || return 0
  VT=$((10#$VT))
  if (( VT <= 6 )); then
    log "KICKSTAND_VT=$VT ignored: use a VT above 6"
    return 0
  fi
  local dev=${KICKSTAND_VT_DEVICE:-/dev/tty$VT}
  [[ -e $dev && -w $dev ]] || return 0    # never create a file where a device should be
  local active=''
  read_value "$SYSFS/class/tty/tty0/active" && active=$REPLY
  [[ $active =~ ^tty([0-9]+)$ ]] && VT_PREV=${BASH_REMATCH[1]}
  { exec {VT_FD}>"$dev"; } 2>/dev/null || { VT_FD=''; return 0; }
  if command -v chvt >/dev/null 2>&1; then chvt "$VT" >/dev/null 2>&1 || true; fi
  vt_draw
}

vt_draw() {
  [[ -n $VT_FD ]] || return 0
  local now
  printf -v now '%(%H:%M:%S)T' -1
  {
    printf '\033[H\033[2J'
    printf 'Kickstand discovery                                   %s\n\n' "$now"
    printf '  server : %s\n' "${KICKSTAND_URL:-?}"
    printf '  host   : %s\n' "$STATUS_HOST"
    printf '  state  : %s\n' "$(printable "$STATUS_STATE")"
    printf '  error  : %s\n\n' "$(printable "${STATUS_ERROR:-none}")"
    printf '  The installer continues by itself once an admin assigns this host.\n'
    if [[ $STATUS_ERROR == 'identity conflict'* ]]; then
      printf '  Another machine is registered under this identity: an operator must\n'
      printf '  release host %s to this machine on its Kickstand page.\n' "$STATUS_HOST"
    fi
    printf '  Log: /tmp/kickstand-pre.log. Anaconda: Ctrl-Alt-F1.\n'
  } 1>&"$VT_FD" 2>/dev/null || true
}

vt_close() {
  [[ -n $VT_FD ]] || return 0
  if [[ -n $VT_PREV ]] && command -v chvt >/dev/null 2>&1; then chvt "$VT_PREV" >/dev/null 2>&1 || true; fi
  { exec {VT_FD}>&-; } 2>/dev/null || true
  VT_FD=''
}

# Control characters out of a message (server messages are shown on a terminal).
printable() {
  local LC_ALL=C
  local s=$1 control=$'[\001-\037\177]'
  printf '%s' "${s//$control/?}"
}

# ---------------------------------------------------------------- small helpers

# read_value FILE: first line of FILE, trimmed, in REPLY; fails when unreadable or empty. sysfs files
# such as carrier and speed fail to read (EINVAL) on a port that is down; that is "unknown", not noise.
read_value() {
  REPLY=''
  local line=''
  { IFS= read -r line < "$1"; } 2>/dev/null || [[ -n $line ]] || return 1
  trim "$line"
  [[ -n $REPLY ]]
}

# trim STRING: leading and trailing white space removed, in REPLY.
trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  s=${s%"${s##*[![:space:]]}"}
  REPLY=$s
}

# cmdline_words: the kernel command line split on white space, in REPLY_WORDS.
cmdline_words() {
  REPLY_WORDS=()
  { read -r -a REPLY_WORDS < "$CMDLINE_FILE"; } 2>/dev/null || true
}

# now_ms: milliseconds since the epoch in REPLY (whole seconds before bash 5, which has no EPOCHREALTIME).
now_ms() {
  if [[ ${EPOCHREALTIME:-} =~ ^([0-9]+)[.,]([0-9]{3}) ]]; then
    REPLY=$((BASH_REMATCH[1] * 1000 + 10#${BASH_REMATCH[2]}))
  else
    printf -v REPLY '%(%s)T' -1
    REPLY=$((REPLY * 1000))
  fi
}

# ---------------------------------------------------------------- boot options

DEADLINE_SECONDS=''
FALLBACK_MODE=interactive
BOOT_KEY=''

# kickstand.deadline=SECONDS, kickstand.fallback=interactive|reboot|poweroff and kickstand.key=KEY
# (BOOTIF: facts.sh). The key is a secret like the token: never logged, never in argv.
read_boot_options() {
  local w v
  cmdline_words
  for w in "${REPLY_WORDS[@]}"; do
    case $w in
      kickstand.key=*)
        v=${w#*=}
        if [[ $v =~ ^[A-Za-z0-9_-]{16,128}$ ]]; then BOOT_KEY=$v; else log "ignoring kickstand.key: not 16 to 128 characters of A-Z a-z 0-9 _ -"; fi
        ;;
      kickstand.deadline=*)
        v=${w#*=}
        if [[ $v =~ ^[0-9]{1,9}$ ]]; then DEADLINE_SECONDS=$((10#$v)); else log "ignoring $w: not a number of seconds"; fi
        ;;
      kickstand.fallback=*)
        v=${w#*=}
        case $v in
          interactive | reboot | poweroff) FALLBACK_MODE=$v ;;
          *) log "ignoring $w: use interactive, reboot or poweroff" ;;
        esac
        ;;
    esac
  done
}

# ---------------------------------------------------------------- HTTP

HTTP_CODE=''
HTTP_ERROR=''
RESPONSE_BODY=''
RESPONSE_HEADERS=''
DEADLINE_AT=''

# Milliseconds left before the deadline in REPLY (a large number without one).
time_left() {
  if [[ -z $DEADLINE_AT ]]; then REPLY=999999999; return 0; fi
  now_ms
  REPLY=$((DEADLINE_AT - REPLY))
}

# http URL MAX_TIME [curl options…]: sets HTTP_CODE, keeps the body and headers in RESPONSE_BODY and
# RESPONSE_HEADERS; fails (with HTTP_ERROR) when no HTTP answer came. The body is not checked here.
http() {
  local url=$1 max_time=$2
  shift 2
  time_left
  if (( REPLY / 1000 + 1 < max_time )); then max_time=$(( REPLY > 0 ? REPLY / 1000 + 1 : 1 )); fi
  rm -f "$RESPONSE_BODY" "$RESPONSE_HEADERS"
  local rc=0 err=''
  HTTP_CODE=$(curl --silent --show-error --connect-timeout "$CONNECT_TIMEOUT" --max-time "$max_time" \
    -o "$RESPONSE_BODY" -D "$RESPONSE_HEADERS" -w '%{http_code}' "$@" "$url" 2>"$STATE_DIR/curl.err") || rc=$?
  if (( rc != 0 )) || [[ ! $HTTP_CODE =~ ^[1-5][0-9][0-9]$ ]]; then
    read_value "$STATE_DIR/curl.err" && err=$REPLY
    HTTP_ERROR="${err:-curl exit code $rc}"
    HTTP_CODE=''
    return 1
  fi
  # curl creates no output file for an empty body; the callers read one.
  [[ -e $RESPONSE_BODY ]] || : > "$RESPONSE_BODY"
}

# header_value NAME: the first response header NAME (case-insensitive), trimmed, in REPLY.
header_value() {
  REPLY=''
  local want=${1,,} line key
  [[ -r $RESPONSE_HEADERS ]] || return 1
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ $line == *:* ]] || continue
    key=${line%%:*}
    if [[ ${key,,} == "$want" ]]; then
      trim "${line#*:}"
      return 0
    fi
  done < "$RESPONSE_HEADERS"
  return 1
}

# The "message" of an error body, without JSON parsing: enough to tell a person which field is wrong.
error_message() {
  REPLY=''
  local body='' re='"message"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)"'
  body=$(head -c 4096 "$RESPONSE_BODY" 2>/dev/null) || true
  [[ $body =~ $re ]] && REPLY=$(printable "${BASH_REMATCH[1]}")
  [[ -n $REPLY ]]
}

# ---------------------------------------------------------------- registration and polling

HOST_ID=''
HOST_TOKEN=''
NEXT_URL=''
FACTS_FILE=''

# POST the facts; on success HOST_ID, HOST_TOKEN and NEXT_URL are set. A 400 for the full fact set is
# retried at once with the minimal one, so a fact the service does not accept never keeps a machine
# out of the host list.
register() {
  local file
  for file in "$FACTS_FILE" "$STATE_DIR/facts-minimal.json"; do
    set_state "registering with $KICKSTAND_URL"
    if ! http "$KICKSTAND_URL/api/v1/discovery" "$REQUEST_TIMEOUT" \
      -H 'Content-Type: application/json' -H 'Expect:' --data-binary "@$file" -K - <<< "$(boot_key_config)"; then
      set_error "registration failed: $HTTP_ERROR"
      return 1
    fi
    case $HTTP_CODE in
      200 | 201)
        if parse_registration; then
          STATUS_HOST=$HOST_ID
          STATUS_ERROR=''
          set_state "registered as host $HOST_ID (HTTP $HTTP_CODE)"
          return 0
        fi
        set_error "registration answer not understood (HTTP $HTTP_CODE)"
        return 1
        ;;
      429)
        # Too many registrations from this address (KICKSTAND_REGISTER_LIMIT): not a failure. The
        # loop waits as long as the service asks and tries again, however often (only the deadline
        # ends that).
        retry_after
        set_error "registration deferred by the service (HTTP 429): retrying in ${REPLY}s or a little more"
        return 1
        ;;
      4??)
        error_message || REPLY='no message'
        set_error "registration refused (HTTP $HTTP_CODE): $REPLY"
        # 400: a fact the service does not accept; 413: more facts than its body limit (a machine
        # whose inventory strings are all maximal and hostile, docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours).
        if [[ ($HTTP_CODE == 400 || $HTTP_CODE == 413) && $file == "$FACTS_FILE" ]]; then
          log "retrying with the minimal fact set (boot MAC and NICs only)"
          minimal_facts > "$STATE_DIR/facts-minimal.json" 2>/dev/null && continue
        fi
        return 1
        ;;
      *)
        set_error "registration failed: HTTP $HTTP_CODE"
        return 1
        ;;
    esac
  done
  return 1
}

# {"id":"…","token":"…","next":"…"}: id and token are [A-Za-z0-9_-]+, next holds no quote or
# backslash (the service promises it). The body holds the token: it is removed at once.
parse_registration() {
  local body='' ws='[[:space:]]*'
  body=$(head -c 8192 "$RESPONSE_BODY" 2>/dev/null) || true
  rm -f "$RESPONSE_BODY"
  local id_re="\"id\"$ws:$ws\"([A-Za-z0-9_-]+)\"" token_re="\"token\"$ws:$ws\"([A-Za-z0-9_-]+)\""
  local next_re="\"next\"$ws:$ws\"(https?://[^\"\\\\[:space:]]+)\""
  [[ $body =~ $id_re ]] || return 1
  local id=${BASH_REMATCH[1]}
  [[ $body =~ $token_re ]] || return 1
  local token=${BASH_REMATCH[1]}
  [[ $body =~ $next_re ]] || return 1
  HOST_ID=$id HOST_TOKEN=$token NEXT_URL=${BASH_REMATCH[1]}
}

# The boot key as a curl config line, for stdin (-K -): like the token, never in argv or the log. An
# empty config when there is no key (curl reads nothing from it).
boot_key_config() {
  [[ -n $BOOT_KEY ]] && printf 'header = "X-Kickstand-Boot-Key: %s"\n' "$BOOT_KEY"
  return 0
}

forget_registration() {
  HOST_ID='' HOST_TOKEN='' NEXT_URL=''
}

# GET the next answer. The token goes to curl on stdin as a config line: never in argv (ps), never in
# the log; the only file that holds it is the callback config, written once a kickstart arrives.
poll() {
  http "$NEXT_URL" "$REQUEST_TIMEOUT" -K - <<< "header = \"Authorization: Bearer $HOST_TOKEN\""
}

# Retry-After clamped to sane bounds, in REPLY.
retry_after() {
  local v=5
  if header_value Retry-After && [[ $REPLY =~ ^[0-9]{1,6}$ ]]; then v=$((10#$REPLY)); fi
  (( v < RETRY_AFTER_MIN )) && v=$RETRY_AFTER_MIN
  (( v > RETRY_AFTER_MAX )) && v=$RETRY_AFTER_MAX
  REPLY=$v
}

# backoff FAILURES: milliseconds to wait after that many failures in a row, in REPLY: exponential
# (1, 2, 4 … BACKOFF_CAP s) with jitter over its upper half, so a rack of machines that lost the
# service together does not come back in lockstep.
backoff() {
  local n=$1 base=1
  while (( n > 1 && base < BACKOFF_CAP )); do base=$((base * 2)); n=$((n - 1)); done
  (( base > BACKOFF_CAP )) && base=$BACKOFF_CAP
  local half=$((base * 500))
  REPLY=$((half + (RANDOM * 32768 + RANDOM) % (half + 1)))
}

SLEEP_PID=''

# pause MILLISECONDS: sleep, but not past the deadline.
pause() {
  local ms=$1
  time_left
  if (( REPLY < ms )); then ms=$(( REPLY > 0 ? REPLY : 0 )); fi
  (( ms > 0 )) || return 0
  local frac
  printf -v frac '%03d' $((ms % 1000))
  # In the background so that a signal is handled at once, not after the sleep (bash waits for a
  # foreground child before running a trap).
  sleep "$((ms / 1000)).$frac" &
  SLEEP_PID=$!
  wait "$SLEEP_PID" 2>/dev/null
  SLEEP_PID=''
}

deadline_passed() {
  [[ -n $DEADLINE_AT ]] || return 1
  time_left
  (( REPLY <= 0 ))
}

FAILURES=0

# retry_later MESSAGE: one more failure in a row; report it and back off.
retry_later() {
  FAILURES=$((FAILURES + 1))
  set_error "$1"
  backoff "$FAILURES"
  pause "$REPLY"
}

# After a 429: sleep Retry-After plus up to half as much again, so the machines the limit held back
# do not all come back in the same second. The failure count (backoff) is left as it was.
throttled() {
  retry_after
  pause "$((REPLY * 1000 + (RANDOM * 32768 + RANDOM) % (REPLY * 500 + 1)))"
}

# The loop: register, poll, act. Returns once the installer may continue (the include is written).
discovery_loop() {
  local action
  while :; do
    if deadline_passed; then
      fallback "no assignment within kickstand.deadline=${DEADLINE_SECONDS}s"
      return 0
    fi
    if [[ -z $HOST_TOKEN ]]; then
      if ! register; then
        if [[ $HTTP_CODE == 429 ]]; then
          throttled
        else
          retry_later "$STATUS_ERROR"
        fi
        continue
      fi
      FAILURES=0
    fi
    if ! poll; then
      retry_later "polling failed: $HTTP_ERROR"
      continue
    fi
    case $HTTP_CODE in
      202)
        FAILURES=0
        STATUS_ERROR=''
        retry_after
        set_state "waiting for an assignment (next poll in ${REPLY}s)"
        pause "$((REPLY * 1000))"
        ;;
      200)
        header_value X-Kickstand-Action || REPLY=''
        action=$REPLY
        case $action in
          kickstart)
            if install_kickstart; then return 0; fi
            retry_later "could not write the kickstart to $KS_OUT"
            ;;
          kexec) kexec_into; return 0 ;;
          stage) stage_into; return 0 ;;
          reboot) reboot_now; return 0 ;;
          *) retry_later "unknown action \"$(printable "$action")\" from the server" ;;
        esac
        ;;
      409)
        # IDENTITY_CONFLICT: this machine matched a host that another machine holds (same boot MAC or
        # DMI UUID, or no/wrong boot key), so its token is only a claim. Keep it and keep waiting, with
        # backoff, until an operator releases the host to this machine; never take an answer from
        # anything but a 200 (docs/discovery.md#identity-conflicts).
        error_message || REPLY='identity conflict'
        retry_later "identity conflict (HTTP 409): $REPLY; waiting for an operator to release host $HOST_ID to this machine"
        ;;
      401 | 403 | 404)
        # The host was deleted, or the service lost it: register again and keep waiting.
        local gone=$HOST_ID
        forget_registration
        STATUS_HOST='-'
        retry_later "the service does not know host $gone any more (HTTP $HTTP_CODE); registering again"
        ;;
      *)
        retry_later "polling failed: HTTP $HTTP_CODE"
        ;;
    esac
  done
}

# ---------------------------------------------------------------- the answers

INCLUDE_WRITTEN=0

# write_include FILE: copy FILE to the %include path atomically (same directory, then mv).
write_include() {
  local tmp="$KS_OUT.tmp.$$"
  if cp "$1" "$tmp" 2>/dev/null && mv -f "$tmp" "$KS_OUT" 2>/dev/null; then
    INCLUDE_WRITTEN=1
    return 0
  fi
  rm -f "$tmp" 2>/dev/null
  log "could not write $KS_OUT"
  return 1
}

install_kickstart() {
  write_include "$RESPONSE_BODY" || return 1
  write_callback_conf
  set_state "kickstart received: installing"
}

# The install callbacks (snippets/callbacks.njk: %pre-install, %post --nochroot, %onerror) need the
# events URL and the host token. They go to a curl config in the state dir (mode 0600, umask 077):
# the installer's memory, never the installed system, never argv. The token dies on the service side
# once the host reports installed, or KICKSTAND_TOKEN_TTL hours after this answer at the latest.
write_callback_conf() {
  local tmp="$STATE_DIR/callback.conf.tmp"
  # shellcheck disable=SC2015 # the log line is meant for either failure, the write's or the rename's
  {
    printf 'url = "%s"\n' "${NEXT_URL%/next}/events"
    printf 'header = "Authorization: Bearer %s"\n' "$HOST_TOKEN"
  } > "$tmp" 2> /dev/null && mv -f "$tmp" "$STATE_DIR/callback.conf" 2> /dev/null || log "could not write the install callback settings"
}

# A kickstart with no commands: Anaconda asks a person for everything and changes nothing by itself.
write_fallback_include() {
  local reason=$1 now tmp="$STATE_DIR/fallback.ks"
  printf -v now '%(%Y-%m-%d %H:%M:%S)T' -1
  reason=$(printable "$reason")
  {
    printf '# Kickstand fallback, %s: %s\n' "$now" "$reason"
    printf '# No commands on purpose: Anaconda continues interactively and changes nothing by itself.\n'
  } > "$tmp" 2>/dev/null
  if ! write_include "$tmp"; then
    # Last resort: a direct write is better than no file at all (Anaconda aborts without it).
    printf '# Kickstand fallback: %s\n' "$reason" > "$KS_OUT" 2>/dev/null && INCLUDE_WRITTEN=1
  fi
}

# fallback REASON: write the fallback include, then do what kickstand.fallback asks.
fallback() {
  set_error "$1"
  write_fallback_include "$1"
  case $FALLBACK_MODE in
    reboot) set_state "fallback: rebooting"; reboot || log "reboot failed" ;;
    poweroff) set_state "fallback: powering off"; poweroff || log "poweroff failed" ;;
    *) set_state "fallback: continuing interactively" ;;
  esac
}

reboot_now() {
  write_fallback_include "reboot requested by Kickstand"
  set_state "rebooting (requested by Kickstand)"
  reboot || set_error "reboot failed; continuing interactively"
}

# kexec body: "kernel URL", "initrd URL", "append REST OF LINE" (read, never evaluated).
kexec_into() {
  local key value kernel_url='' initrd_url='' append=''
  while read -r key value || [[ -n $key ]]; do
    value=${value%$'\r'}
    case $key in
      kernel) kernel_url=$value ;;
      initrd) initrd_url=$value ;;
      append) append=$value ;;
    esac
  done < "$RESPONSE_BODY"
  if [[ ! $kernel_url =~ ^https?://[^[:space:]]+$ || ! $initrd_url =~ ^https?://[^[:space:]]+$ ]]; then
    fallback "kexec answer without a usable kernel or initrd URL"
    return 0
  fi
  local dir="$STATE_DIR/kexec"
  mkdir -p "$dir" 2>/dev/null
  set_state "kexec: downloading $kernel_url"
  download "$kernel_url" "$dir/kernel" || { fallback "kexec: kernel download failed: $HTTP_ERROR"; return 0; }
  set_state "kexec: downloading $initrd_url"
  download "$initrd_url" "$dir/initrd" || { fallback "kexec: initrd download failed: $HTTP_ERROR"; return 0; }

  local load=(-l "$dir/kernel" "--initrd=$dir/initrd" "--append=$append")
  # Under Secure Boot the legacy load syscall is refused; -s uses kexec_file_load (signed kernels).
  if secure_boot_on; then load=(-s "${load[@]}"); fi
  set_state "kexec: loading the kernel"
  if ! kexec "${load[@]}"; then
    fallback "kexec could not load the kernel"
    return 0
  fi
  # If anything below returns, the installer carries on; it must find an include.
  write_fallback_include "kexec started; the installer should not get here"
  vt_close
  set_state "kexec: starting the new kernel"
  if systemctl kexec; then return 0; fi
  log "systemctl kexec failed; trying kexec -e"
  kexec -e || fallback "kexec -e failed"
}

# download URL FILE: curl --fail into FILE; fails when the answer is an error or empty.
download() {
  local url=$1 file=$2 rc=0 err=''
  rm -f "$file"
  curl --fail --silent --show-error --location --connect-timeout "$CONNECT_TIMEOUT" --max-time "$DOWNLOAD_TIMEOUT" \
    --retry 3 --retry-delay 2 -o "$file" "$url" 2>"$STATE_DIR/curl.err" || rc=$?
  if (( rc != 0 )); then
    read_value "$STATE_DIR/curl.err" && err=$REPLY
    HTTP_ERROR="${err:-curl exit code $rc}"
    return 1
  fi
  if [[ ! -s $file ]]; then
    HTTP_ERROR="empty file from $url"
    return 1
  fi
}

# ---------------------------------------------------------------- main

on_exit() {
  local rc=$?
  if [[ -n $SLEEP_PID ]]; then kill "$SLEEP_PID" 2>/dev/null; fi
  links_restore
  if (( ! INCLUDE_WRITTEN )); then write_fallback_include "discovery ended unexpectedly (exit code $rc)"; fi
  vt_close
}

main() {
  umask 077
  trap on_exit EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
  mkdir -p "$STATE_DIR" 2>/dev/null || log "cannot create $STATE_DIR"
  RESPONSE_BODY="$STATE_DIR/response.body"
  RESPONSE_HEADERS="$STATE_DIR/response.headers"
  FACTS_FILE="$STATE_DIR/facts.json"
  read_boot_options
  if [[ -n $DEADLINE_SECONDS ]]; then
    now_ms
    DEADLINE_AT=$((REPLY + DEADLINE_SECONDS * 1000))
  fi
  vt_open
  KICKSTAND_URL=${KICKSTAND_URL:-}
  KICKSTAND_URL=${KICKSTAND_URL%/}
  if [[ ! $KICKSTAND_URL =~ ^https?://[^[:space:]\"]+$ ]]; then
    fallback "KICKSTAND_URL is not set or not an http(s) URL"
    return 0
  fi
  local key_state=none
  [[ -n $BOOT_KEY ]] && key_state=given    # never the key itself
  log "server $KICKSTAND_URL, deadline ${DEADLINE_SECONDS:-none}, fallback $FALLBACK_MODE, boot key $key_state"

  set_state "gathering hardware facts"
  if ! gather_facts > "$FACTS_FILE"; then
    fallback "no network interface to identify this machine by"
    return 0
  fi
  log "facts: ${#NIC_NAMES[@]} interfaces, boot MAC $BOOT_MAC, $(wc -c < "$FACTS_FILE") bytes"
  # A stage that booted (or failed to) leaves its boot entry: the next discovery removes it (unstage.sh).
  if declare -F kickstand_stage_entries >/dev/null && [[ -n $(kickstand_stage_entries) ]]; then kickstand_unstage "$STATE_DIR/unstage"; fi
  discovery_loop
  return 0
}

if [[ ${KICKSTAND_SOURCE_ONLY:-0} != 1 ]]; then
  main "$@"
  exit 0
fi
