// What the host page shows of a machine's deeper inventory (views/host-inventory.njk): PCI devices,
// the GPUs and storage controllers the service derived from them, each NIC's firmware and switch port,
// memory DIMMs and the TPM. Every decision is made here — which sections exist, which start collapsed,
// the DIMM total — so the template only loops. A section the machine reported nothing for is absent,
// never an empty table. Fact strings are the machine's claims: they reach the page through nunjucks'
// autoescape like every other fact, and no field is ever marked safe.
import type { Facts } from '../discovery/facts.js';

/** More rows than this and a section starts collapsed (a summary line with its count). */
export const OPEN_ROWS = 8;

type Pci = NonNullable<Facts['pci']>[number];
type Lldp = NonNullable<Facts['lldp']>;

export interface Section<Row> {
  rows: Row[];
  /** Whether the section's <details> starts open. */
  open: boolean;
}

export interface DeviceRow {
  slot: string;
  class: string;
  vendor: string;
  device: string;
  driver: string;
}

export interface NicRow {
  name: string;
  mac: string;
  boot: boolean;
  driver: string;
  firmware: string;
  /** "leaf-12 Ethernet1/7", the switch and port this NIC is cabled to; '' when it heard no LLDPDU. */
  neighbour: string;
  vlan: string;
  /** Everything else the neighbour said (chassis id, port description, management address, source). */
  neighbour_detail: string;
}

export interface DimmRow {
  locator: string;
  size: number | null;
  type: string;
  speed: string;
  manufacturer: string;
  part_number: string;
}

export interface InventoryView {
  pci?: Section<DeviceRow>;
  gpus?: Section<DeviceRow>;
  storage_controllers?: Section<DeviceRow>;
  nics?: Section<NicRow>;
  dimms?: Section<DimmRow> & { total_mib: number; count: number };
  tpm?: { present: boolean; version: string; manufacturer: string };
}

function section<Row>(rows: Row[]): Section<Row> | undefined {
  return rows.length ? { rows, open: rows.length <= OPEN_ROWS } : undefined;
}

/** "NVIDIA Corporation [10de]": the name, and the id when lspci gave one. */
function named(name: string | undefined, id: string | undefined): string {
  if (name && id) return `${name} [${id}]`;
  return name ?? id ?? '';
}

function device(d: Pci): DeviceRow {
  return {
    slot: d.slot,
    class: named(d.class, d.class_id),
    vendor: named(d.vendor, d.vendor_id),
    device: named(d.device, d.device_id),
    driver: d.driver ?? '',
  };
}

function neighbour(lldp: Lldp | undefined): Pick<NicRow, 'neighbour' | 'vlan' | 'neighbour_detail'> {
  if (!lldp) return { neighbour: '', vlan: '', neighbour_detail: '' };
  const detail = [
    lldp.chassis_id && `chassis ${lldp.chassis_id}`,
    lldp.port_description && `port description ${lldp.port_description}`,
    lldp.mgmt_ip && `management ${lldp.mgmt_ip}`,
    lldp.source && `heard by ${lldp.source}`,
  ];
  return {
    neighbour: [lldp.switch ?? lldp.chassis_id, lldp.port].filter(Boolean).join(' '),
    vlan: typeof lldp.vlan === 'number' ? String(lldp.vlan) : '',
    neighbour_detail: detail.filter(Boolean).join(' · '),
  };
}

/** The NICs table: only when some NIC told more than the main NIC table shows. */
function nics(facts: Facts): NicRow[] {
  if (!facts.nics.some((n) => n.firmware || n.driver_version || n.lldp)) return [];
  const boot = facts.boot_mac.toLowerCase();
  return facts.nics.map((n) => ({
    name: n.name,
    mac: n.mac,
    boot: n.mac.toLowerCase() === boot,
    driver: [n.driver, n.driver_version].filter(Boolean).join(' '),
    firmware: n.firmware ?? '',
    ...neighbour(n.lldp),
  }));
}

function dimms(facts: Facts): InventoryView['dimms'] {
  const rows = (facts.dimms ?? []).map((d) => ({
    locator: [d.bank, d.locator].filter(Boolean).join(' / '),
    size: d.size_mib ?? null,
    type: d.type ?? '',
    speed: typeof d.speed_mts === 'number' ? `${d.speed_mts} MT/s` : '',
    manufacturer: d.manufacturer ?? '',
    part_number: d.part_number ?? '',
  }));
  const shown = section(rows);
  if (!shown) return undefined;
  return { ...shown, count: rows.length, total_mib: rows.reduce((sum, d) => sum + (d.size ?? 0), 0) };
}

export function inventoryView(facts: Facts | undefined): InventoryView {
  if (!facts) return {};
  const view: InventoryView = {};
  const pci = section((facts.pci ?? []).map(device));
  const gpus = section((facts.gpus ?? []).map(device));
  const storage = section((facts.storage_controllers ?? []).map(device));
  const nicRows = section(nics(facts));
  const memory = dimms(facts);
  if (pci) view.pci = pci;
  if (gpus) view.gpus = gpus;
  if (storage) view.storage_controllers = storage;
  if (nicRows) view.nics = nicRows;
  if (memory) view.dimms = memory;
  if (facts.tpm) view.tpm = { present: facts.tpm.present, version: facts.tpm.version ?? '', manufacturer: facts.tpm.manufacturer ?? '' };
  return view;
}
