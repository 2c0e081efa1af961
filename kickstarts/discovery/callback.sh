# shellcheck shell=bash
# Kickstand install callbacks, for %pre-install, %post --nochroot and %onerror (snippets/callbacks.njk
# pastes this file into each). They run in the installer, not in the installed system.
#
# The discovery %pre left a curl config at /tmp/kickstand/callback.conf (mode 0600): the events URL
# and the host token. It lives in the installer's memory only; the token itself never appears in a
# kickstart, a script, argv or a log, and it dies on the service side once "installed" is recorded.
# A callback never fails the install: no answer, no config, no curl — the install goes on.

KICKSTAND_CALLBACK_CONF=${KICKSTAND_CALLBACK_CONF:-/tmp/kickstand/callback.conf}
KICKSTAND_LOG_CAP=${KICKSTAND_LOG_CAP:-49152}

# kickstand_json TEXT: TEXT as a JSON string literal in REPLY. Log tails hold anything, so every byte
# that is not printable ASCII, newline or tab becomes "?" first (a log excerpt needs no more), then
# backslash, quote, newline and tab are escaped. json.sh does the full job for facts; this stays short
# because it is pasted three times.
kickstand_json() {
  local LC_ALL=C s=$1
  s=${s//[^[:print:]$'\n'$'\t']/?}
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  REPLY="\"$s\""
}

# kickstand_event STAGE MESSAGE [LOG_FILE...]: POST {"stage","message","event_id","log"}; the log is
# the tail of the given files, KICKSTAND_LOG_CAP bytes at most in all. Retries a few times; the
# event_id makes a retry of a callback that did arrive count once.
kickstand_event() {
  local stage=$1 message=$2
  shift 2
  [[ -r $KICKSTAND_CALLBACK_CONF ]] || return 0
  command -v curl > /dev/null 2>&1 || return 0
  local boot_id='' body log='' f per
  [[ -r /proc/sys/kernel/random/boot_id ]] && read -r boot_id < /proc/sys/kernel/random/boot_id
  boot_id=${boot_id//[^A-Za-z0-9-]/}
  kickstand_json "$stage"; body="{\"stage\":$REPLY"
  kickstand_json "${message:0:1000}"; body+=",\"message\":$REPLY"
  body+=",\"event_id\":\"${stage}-${boot_id:-unknown}\""
  if (( $# > 0 )); then
    per=$(( KICKSTAND_LOG_CAP / $# ))
    for f in "$@"; do
      [[ -r $f ]] || continue
      log+="==> $f <=="$'\n'
      log+="$(tail -c "$per" "$f" 2> /dev/null)"$'\n'
    done
    kickstand_json "${log:0:KICKSTAND_LOG_CAP}"; body+=",\"log\":$REPLY"
  fi
  body+='}'
  local try
  for try in 1 2 3; do
    if printf '%s' "$body" | curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -K "$KICKSTAND_CALLBACK_CONF" \
      -H 'Content-Type: application/json' --data-binary @- 2> /dev/null | grep -q '^[24]'; then
      return 0
    fi
    sleep "$try"
  done
  return 0
}
