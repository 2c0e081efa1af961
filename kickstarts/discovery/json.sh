# shellcheck shell=bash
# Kickstand discovery %pre, part 1 of 3: JSON output in pure bash (the installer has no jq).
# The stub kickstart pastes json.sh, facts.sh and pre.sh, in this order, into one %pre; pre.sh holds
# the settings and main. This part only defines functions and constants.

# Bytes json_escape cannot copy as they are: controls, quote, backslash, DEL and every non-ASCII byte.
JSON_SPECIAL=$'[\001-\037"\\\\\177-\377]'

# json_escape VALUE [MAX_BYTES]: VALUE as a JSON string literal (quotes included) in REPLY, cut to
# MAX_BYTES first. Valid UTF-8 is copied through; every byte that is not part of a valid sequence
# becomes U+FFFD, one per maximal invalid subpart (the WHATWG decoder's rule, what Node does too).
json_escape() {
  local LC_ALL=C
  local s=$1 max=${2:-0}
  if (( max > 0 && ${#s} > max )); then s=${s:0:max}; fi
  if [[ $s != *$JSON_SPECIAL* ]]; then
    REPLY="\"$s\""
    return 0
  fi
  local out='' c n i=0 len=${#s} need lo hi j b m
  while (( i < len )); do
    c=${s:i:1}
    # shellcheck disable=SC2053 # JSON_SPECIAL is a bracket pattern: this is a glob match on purpose
    if [[ $c != $JSON_SPECIAL ]]; then
      out+=$c
      i=$((i + 1))
      continue
    fi
    printf -v n '%d' "'$c"
    if (( n < 0 )); then n=$((n + 256)); fi
    if (( n < 128 )); then
      # shellcheck disable=SC1003 # '\\' is meant: two literal backslashes, JSON's escaped backslash
      case $n in
        8) out+='\b' ;;
        9) out+='\t' ;;
        10) out+='\n' ;;
        12) out+='\f' ;;
        13) out+='\r' ;;
        34) out+='\"' ;;
        92) out+='\\' ;;
        *) printf -v c '\\u%04x' "$n"; out+=$c ;;
      esac
      i=$((i + 1))
      continue
    fi
    # A UTF-8 lead byte says how many continuation bytes follow and the range of the first one
    # (narrower after E0, ED, F0 and F4: no overlongs, no surrogates, nothing above U+10FFFF).
    need=0 lo=128 hi=191
    if (( n >= 0xC2 && n <= 0xDF )); then need=1
    elif (( n == 0xE0 )); then need=2 lo=0xA0
    elif (( n == 0xED )); then need=2 hi=0x9F
    elif (( n >= 0xE1 && n <= 0xEF )); then need=2
    elif (( n == 0xF0 )); then need=3 lo=0x90
    elif (( n >= 0xF1 && n <= 0xF3 )); then need=3
    elif (( n == 0xF4 )); then need=3 hi=0x8F
    fi
    j=1
    while (( j <= need && i + j < len )); do
      b=${s:i+j:1}
      printf -v m '%d' "'$b"
      if (( m < 0 )); then m=$((m + 256)); fi
      (( m >= lo && m <= hi )) || break
      lo=128 hi=191
      j=$((j + 1))
    done
    if (( need > 0 && j > need )); then
      out+=${s:i:j}
    else
      out+='\ufffd'
    fi
    i=$((i + j))
  done
  REPLY="\"$out\""
}

# json_str VALUE [MAX_BYTES]: print VALUE as a JSON string literal.
json_str() {
  json_escape "$1" "${2:-0}"
  printf '%s' "$REPLY"
}

# Objects and arrays are built as bash arrays of members, then joined. Each jm_* adds one member
# "key":value to the array named by its first argument; an empty string is left out (the schema's
# strings are not nullable), an unknown number or flag becomes null.
jm_raw() {
  local -n jm_members=$1
  jm_members+=("\"$2\":$3")
}

jm_str() {
  [[ -n ${3:-} ]] || return 0
  json_escape "$3" "${4:-$MAX_STR}"
  jm_raw "$1" "$2" "$REPLY"
}

jm_int() {
  json_int "${3:-}"
  jm_raw "$1" "$2" "$REPLY"
}

jm_num() {
  local v=${3:-}
  if [[ $v =~ ^[0-9]{1,15}(\.[0-9]{1,9})?$ ]]; then
    v=${v#"${v%%[!0]*}"}
    [[ $v == .* || -z $v ]] && v=0$v
    jm_raw "$1" "$2" "$v"
  else
    jm_raw "$1" "$2" null
  fi
}

jm_bool() {
  case ${3:-} in
    1 | true) jm_raw "$1" "$2" true ;;
    0 | false) jm_raw "$1" "$2" false ;;
    *) jm_raw "$1" "$2" null ;;
  esac
}

# json_int VALUE: VALUE as a JSON integer (no leading zeros) in REPLY, or null.
json_int() {
  local v=${1:-}
  if [[ $v =~ ^[0-9]{1,18}$ ]]; then
    REPLY=$((10#$v))
  elif [[ $v =~ ^[1-9][0-9]{18,19}$ ]]; then
    REPLY=$v
  else
    REPLY=null
  fi
}

# json_object ARRAY / json_array ARRAY: join the members into REPLY.
json_object() {
  local -n jo_members=$1
  local IFS=,
  REPLY="{${jo_members[*]}}"
}

json_array() {
  local -n ja_items=$1
  local IFS=,
  REPLY="[${ja_items[*]}]"
}
