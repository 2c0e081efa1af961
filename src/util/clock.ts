// The time as an ISO string, made at most once per millisecond: every poll notes when its host was
// last seen, and `new Date().toISOString()` costs as much as the rest of a waiting poll's checks. The
// polls of one millisecond share one string (one allocation the collector keeps, not one per poll).
let lastMs = 0;
let lastIso = '';

export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
