#!/usr/bin/env bash
# Validate the golden kickstarts (test/fixtures/rendered/*.ks) and the rendered stub with pykickstart's
# own ksvalidator, each for its version. pykickstart is not packaged for Debian and PyPI is not
# reachable from CI, so this runs where a developer has a pykickstart checkout:
#   PYKICKSTART_DIR=/path/to/pykickstart test/tools/ksvalidate-goldens.sh
# It downloads nothing. Warnings count as failures (ksvalidator prints them; any output fails).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${PYKICKSTART_DIR:?set PYKICKSTART_DIR to a pykickstart checkout}"
validator="$PYKICKSTART_DIR/tools/ksvalidator.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version_of() {
  case $1 in
    rhel8*) echo RHEL8 ;; rhel9*) echo RHEL9 ;; rhel10*) echo RHEL10 ;; fedora*) echo F42 ;;
    *) echo "no version for $1" >&2; return 1 ;;
  esac
}

npx tsx -e "
import { createKickstartEnvironment } from './src/kickstart/render/environment.ts';
const env = createKickstartEnvironment('kickstarts', { watch: false });
process.stdout.write(env.render('stub.ks.njk', { kickstand: { url: 'http://192.0.2.10:8080' } }));
env.close();" > "$tmp/stub.ks"

fail=0 count=0
check() {
  local file=$1 version=$2 out
  count=$((count + 1))
  out=$(PYTHONPATH="$PYKICKSTART_DIR" python3 "$validator" -v "$version" "$file" 2>&1 | grep -v -e '^$' -e '^Checking kickstart file' || true)
  if [[ -n $out ]]; then
    echo "FAIL $version $file: $out"
    fail=1
  else
    echo "ok   $version $file"
  fi
}
for v in RHEL8 RHEL9 RHEL10 F42; do check "$tmp/stub.ks" "$v"; done
for f in test/fixtures/rendered/*.ks; do check "$f" "$(version_of "$(basename "$f")")"; done
echo "$count checks, pykickstart $(git -C "$PYKICKSTART_DIR" log -1 --format='%h %cs' 2>/dev/null || echo '?')"
exit $fail
