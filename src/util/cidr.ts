// IPv4 networks in CIDR notation ("10.1.0.0/16"): which reported BMC addresses are taken without an
// operator (KICKSTAND_BMC_NETWORKS). IPv4 only: IPMI's LAN channel reports an IPv4 address.

export interface Cidr {
  base: number;
  mask: number;
}

/** The address as a 32-bit number, or undefined when it is not a dotted IPv4 address. */
export function ipv4ToNumber(address: string): number | undefined {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!parts) return undefined;
  const octets = parts.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const base = ipv4ToNumber(m[1]!);
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

export function inNetworks(address: string, networks: readonly string[]): boolean {
  const n = ipv4ToNumber(address);
  if (n === undefined) return false;
  return networks.some((text) => {
    const cidr = parseCidr(text);
    return cidr !== undefined && (n & cidr.mask) >>> 0 === cidr.base;
  });
}
