// One request header read from req.rawHeaders. Node builds req.headers — an object of every header,
// names lower-cased — the first time it is read: a tenth of a waiting poll's time, for the two headers
// the poll needs (docs/performance.md). The first of the name wins, as node keeps it for the headers
// that must not repeat (Authorization, Host).

/** `lower`: the header name in lower case. */
export function rawHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (sameName(raw[i]!, lower)) return raw[i + 1];
  return undefined;
}

// Header names are tokens (RFC 9110: letters, digits and !#$%&'*+-.^_`|~), which the parser checked:
// setting bit 0x20 lower-cases a letter and leaves the digits and '-' as they are, so no other token
// character can pass for a letter or a '-' of a name.
function sameName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}
