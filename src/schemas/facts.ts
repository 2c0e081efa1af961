// JSON Schema (2020-12) of the facts a machine uploads from the stub's %pre.
// Facts come from untrusted machines: every string is length-capped and every list count-capped, so a
// hostile or broken machine cannot make the service hold or re-serialise megabytes per host
// (Foreman users report 2 MB fact sets taking seconds to load; we refuse them at the door).
import type { JsonSchema } from './json-schema.js';

export const LIMITS = {
  bodyBytes: 256 * 1024,
  shortString: 256,
  longString: 4096,
  nics: 64,
  disks: 256,
  addresses: 32,
  cpuFlags: 512,
  extraKeys: 64,
} as const;

const MAC = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){19}$';

const str = { type: 'string', maxLength: LIMITS.shortString } as const;
const longStr = { type: 'string', maxLength: LIMITS.longString } as const;
// Interface and block device names as the kernel spells them (eth0, ens1f0np0, bond0.100, cciss!c0d0).
// They reach kickstart command lines (`network --device=`), so nothing that shell or shlex would read.
const DEVICE = { type: 'string', pattern: '^[A-Za-z0-9_.:@!+-]{1,64}$' } as const;
const optInt = { type: ['integer', 'null'], minimum: 0 } as const;

export const macSchema = { type: 'string', pattern: MAC, maxLength: 59 } as const;

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
/** A dotted IPv4 address, nothing around it: what an IPMI LAN channel reports. */
export const ipv4Schema = { type: 'string', pattern: `^${OCTET}(\\.${OCTET}){3}$`, maxLength: 15 } as const;

// What the BMC says of itself through the local IPMI device (docs/discovery.md#the-bmc): its LAN
// channel (`ipmitool lan print`) and identity (`ipmitool mc info`). The address is a machine's claim,
// never proof: src/bmc/adopt.ts decides whether Kickstand uses it (docs/bmc.md).
const bmc = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channel: { type: 'integer', minimum: 1, maximum: 15 },
    ip_source: { enum: ['static', 'dhcp', 'bios', 'other', 'none'] },
    ip: ipv4Schema,
    netmask: ipv4Schema,
    gateway: ipv4Schema,
    mac: { type: 'string', pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', maxLength: 17 },
    // null: the channel sends untagged frames ("802.1q VLAN ID : Disabled").
    vlan: { type: ['integer', 'null'], minimum: 1, maximum: 4094 },
    manufacturer: str,
    // IANA private enterprise number (20 bits in IPMI): 674 Dell, 11 HPE, 10876 Supermicro.
    manufacturer_id: { type: 'integer', minimum: 0, maximum: 1048575 },
    product_id: { type: 'integer', minimum: 0, maximum: 65535 },
    firmware: { type: 'string', maxLength: 64 },
    ipmi_version: { type: 'string', pattern: '^[0-9]{1,2}\\.[0-9]{1,2}$' },
  },
} as const;

const nic = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'mac'],
  properties: {
    name: DEVICE,
    mac: macSchema,
    state: str, // operstate from sysfs: up, down, unknown, dormant...
    carrier: { type: ['boolean', 'null'] },
    speed_mbps: optInt,
    driver: str,
    pci: str,
    mtu: optInt,
    ipv4: { type: 'array', maxItems: LIMITS.addresses, items: str },
    ipv6: { type: 'array', maxItems: LIMITS.addresses, items: str },
    boot: { type: 'boolean' },
  },
} as const;

const disk = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: DEVICE,
    size_bytes: optInt,
    model: str,
    vendor: str,
    serial: str,
    wwn: str,
    rotational: { type: ['boolean', 'null'] },
    removable: { type: ['boolean', 'null'] },
    transport: str, // sata, sas, nvme, usb, virtio... as lsblk reports it
  },
} as const;

export const factsSchema = {
  $id: 'kickstand:facts',
  type: 'object',
  additionalProperties: false,
  required: ['boot_mac', 'nics'],
  properties: {
    // Version of the fact format the %pre speaks; lets a newer service read an older stub's upload.
    format: { type: 'integer', minimum: 1, maximum: 1 },
    boot_mac: macSchema,
    arch: str,
    hostname: str,
    kernel: {
      type: 'object',
      additionalProperties: false,
      // lockdown: the bracketed word of /sys/kernel/security/lockdown (none, integrity, confidentiality):
      // under integrity or above only a signed kernel can be kexec'd (kexec -s); `stage` is the way round.
      properties: { release: str, cmdline: longStr, lockdown: str },
    },
    installer: {
      type: 'object',
      additionalProperties: false,
      properties: { id: str, name: str, version_id: str, pretty_name: str },
    },
    cpu: {
      type: 'object',
      additionalProperties: false,
      properties: {
        model: str,
        vendor: str,
        sockets: optInt,
        cores: optInt,
        threads: optInt,
        mhz: { type: ['number', 'null'], minimum: 0 },
        flags: { type: 'array', maxItems: LIMITS.cpuFlags, items: { type: 'string', maxLength: 64 } },
      },
    },
    memory_mib: optInt,
    nics: { type: 'array', minItems: 1, maxItems: LIMITS.nics, items: nic },
    disks: { type: 'array', maxItems: LIMITS.disks, items: disk },
    dmi: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vendor: str,
        product: str,
        version: str,
        serial: str,
        uuid: str,
        sku: str,
        family: str,
        bios_vendor: str,
        bios_version: str,
        bios_date: str,
        board_vendor: str,
        board_product: str,
        board_serial: str,
        chassis_vendor: str,
        chassis_type: str,
        chassis_serial: str,
        chassis_asset_tag: str,
      },
    },
    firmware: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { enum: ['uefi', 'bios'] },
        secure_boot: { type: ['boolean', 'null'] },
      },
    },
    kexec: {
      type: 'object',
      additionalProperties: false,
      required: ['available'],
      properties: { available: { type: 'boolean' }, path: str },
    },
    // The `stage` action's tools for this machine's firmware (docs/discovery.md): all present, or which lack.
    stage: {
      type: 'object',
      additionalProperties: false,
      required: ['available'],
      properties: {
        available: { type: 'boolean' },
        missing: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 64 } },
      },
    },
    bmc,
    // Site-specific facts a customised stub may add; flat and scalar so rules can still read them.
    extra: {
      type: 'object',
      maxProperties: LIMITS.extraKeys,
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,63}$' },
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'], maxLength: LIMITS.longString },
    },
  },
} as const satisfies JsonSchema;
