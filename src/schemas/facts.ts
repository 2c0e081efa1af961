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
  pci: 256,
  dimms: 256,
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

// An LLDP neighbour: the switch port a NIC is cabled to, from the first LLDPDU heard on it
// (docs/discovery.md#lldp). Like every fact it is the machine's claim: a machine can forge LLDPDUs on
// its own link, so matching by switch port (expected hosts, rules) is an option, never the default.
export const lldpNeighbourSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Chassis ID TLV, as text (a MAC as aa:bb:…, else the bytes as sent when printable).
    chassis_id: str,
    // System Name TLV: the switch's name, what "lldp.switch" matches.
    switch: str,
    // Port ID TLV (Ethernet12, ge-0/0/12, a MAC…) and Port Description TLV.
    port: str,
    port_description: str,
    // IEEE 802.1 Port VLAN ID TLV; null when none was sent.
    vlan: { type: ['integer', 'null'], minimum: 1, maximum: 4094 },
    // Management Address TLV (IPv4 or IPv6, as text).
    mgmt_ip: { type: 'string', maxLength: 64 },
    // Which tool heard it: lldptool (lldpad running in the image) or capture (the %pre's own listener).
    source: { enum: ['lldptool', 'capture'] },
  },
} as const;

const HEX4 = { type: 'string', pattern: '^[0-9a-f]{4}$' } as const;

// One PCI function, from `lspci -mm -nn -k` (docs/discovery.md#pci-devices). Names are the pci.ids
// database's (what lspci prints); ids are the 4-digit hex numbers in its brackets.
export const pciDeviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slot'],
  properties: {
    // Domain:bus:device.function (0000:3b:00.0).
    slot: { type: 'string', pattern: '^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$' },
    class: str,
    class_id: HEX4,
    vendor: str,
    vendor_id: HEX4,
    device: str,
    device_id: HEX4,
    subsystem_vendor: str,
    subsystem_device: str,
    revision: { type: 'string', pattern: '^[0-9a-f]{2}$' },
    // The kernel driver bound to it, if any.
    driver: { type: 'string', maxLength: 64 },
  },
} as const;

// One memory module, from `dmidecode -t 17` (only where dmidecode is in the image). Empty slots are left out.
const dimm = {
  type: 'object',
  additionalProperties: false,
  properties: {
    locator: str,
    bank: str,
    size_mib: optInt,
    type: str, // DDR4, DDR5…
    speed_mts: optInt,
    manufacturer: str,
    part_number: str,
    serial: str,
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
    // `ethtool -i`: the driver's version and the NIC's firmware version.
    driver_version: str,
    firmware: str,
    lldp: lldpNeighbourSchema,
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
    pci: { type: 'array', maxItems: LIMITS.pci, items: pciDeviceSchema },
    // Derived by the service from `pci` on every registration (discovery/inventory.ts), whatever the
    // machine sent: display controllers (class 03xx) and mass-storage controllers (class 01xx, RAID 0104).
    gpus: { type: 'array', maxItems: LIMITS.pci, items: pciDeviceSchema },
    storage_controllers: { type: 'array', maxItems: LIMITS.pci, items: pciDeviceSchema },
    // Derived too: the boot NIC's LLDP neighbour, so a rule can say lldp.switch == "leaf-12".
    lldp: lldpNeighbourSchema,
    dimms: { type: 'array', maxItems: LIMITS.dimms, items: dimm },
    tpm: {
      type: 'object',
      additionalProperties: false,
      required: ['present'],
      // /sys/class/tpm/tpm0: version from tpm_version_major (2 → "2.0"; a TPM 1.2 has none: "1.2").
      properties: { present: { type: 'boolean' }, version: { enum: ['1.2', '2.0'] }, manufacturer: str },
    },
    // Site-specific facts a customised stub may add; flat and scalar so rules can still read them.
    extra: {
      type: 'object',
      maxProperties: LIMITS.extraKeys,
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,63}$' },
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'], maxLength: LIMITS.longString },
    },
  },
} as const satisfies JsonSchema;
