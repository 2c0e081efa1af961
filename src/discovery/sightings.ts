// What dracut tells us when it fetches the stub (inst.ks.sendmac / inst.ks.sendsn): every NIC's MAC
// and the serial number. The %pre's own curl calls do not carry these headers, so they are remembered
// here, by MAC, until the machine registers. Memory only and bounded: GET /ks must answer at once even
// with a full disk, and a flood of fake headers must not grow without limit.

export interface Sighting {
  at: string;
  ip: string;
  macs: string[];
  serial?: string;
  arch?: string;
  release?: string;
}

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$|^[0-9a-f]{2}(?::[0-9a-f]{2}){19}$/;
const IFNAME = /^[A-Za-z0-9_.:@!+-]{1,64}$/;
const PRINTABLE = /^[\x20-\x7e]{1,256}$/;

/** Read dracut's headers; junk is ignored rather than refused (the stub must always be served). */
export function readSighting(headers: Record<string, string | string[] | undefined>, ip: string, now = new Date()): Sighting | undefined {
  const macs: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!/^x-rhn-provisioning-mac-\d{1,3}$/.test(name) || typeof value !== 'string') continue;
    const [ifname, mac] = value.trim().split(/\s+/);
    if (ifname && mac && IFNAME.test(ifname) && MAC.test(mac.toLowerCase())) macs.push(mac.toLowerCase());
  }
  const header = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' && PRINTABLE.test(v.trim()) ? v.trim() : undefined;
  };
  if (!macs.length) return undefined;
  const s: Sighting = { at: now.toISOString(), ip, macs: [...new Set(macs)] };
  const serial = header('x-system-serial-number');
  const arch = header('x-anaconda-architecture');
  const release = header('x-anaconda-system-release');
  if (serial) s.serial = serial;
  if (arch) s.arch = arch;
  if (release) s.release = release;
  return s;
}

export class Sightings {
  private readonly byMac = new Map<string, Sighting>();

  constructor(
    private readonly capacity = 4096,
    private readonly ttlMs = 3600_000,
  ) {}

  remember(s: Sighting): void {
    for (const mac of s.macs) {
      this.byMac.delete(mac); // re-insert: Map order is our LRU order
      this.byMac.set(mac, s);
    }
    while (this.byMac.size > this.capacity) {
      const oldest = this.byMac.keys().next().value!;
      this.byMac.delete(oldest);
    }
  }

  /** The newest sighting naming any of these MACs, forgotten once taken. */
  take(macs: string[], now = Date.now()): Sighting | undefined {
    const found = macs
      .map((m) => this.byMac.get(m))
      .filter((s): s is Sighting => !!s && now - Date.parse(s.at) < this.ttlMs)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    if (found) for (const mac of found.macs) if (this.byMac.get(mac) === found) this.byMac.delete(mac);
    return found;
  }
}
