// The facts a machine reports, as the %pre builds them (schema: src/schemas/facts.ts).
export interface Nic {
  name: string;
  mac: string;
  state?: string;
  carrier?: boolean | null;
  speed_mbps?: number | null;
  driver?: string;
  pci?: string;
  mtu?: number | null;
  ipv4?: string[];
  ipv6?: string[];
  boot?: boolean;
}

export interface Disk {
  name: string;
  size_bytes?: number | null;
  model?: string;
  vendor?: string;
  serial?: string;
  wwn?: string;
  rotational?: boolean | null;
  removable?: boolean | null;
  transport?: string;
}

export interface Facts {
  format?: number;
  boot_mac: string;
  arch?: string;
  hostname?: string;
  kernel?: { release?: string; cmdline?: string };
  installer?: { id?: string; name?: string; version_id?: string; pretty_name?: string };
  cpu?: {
    model?: string;
    vendor?: string;
    sockets?: number | null;
    cores?: number | null;
    threads?: number | null;
    mhz?: number | null;
    flags?: string[];
  };
  memory_mib?: number | null;
  nics: Nic[];
  disks?: Disk[];
  dmi?: Record<string, string | undefined>;
  firmware?: { type?: 'uefi' | 'bios'; secure_boot?: boolean | null };
  kexec?: { available: boolean; path?: string };
  extra?: Record<string, string | number | boolean | null>;
}
