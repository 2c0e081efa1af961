// What the service derives from a machine's PCI and NIC facts on every registration, whatever the
// machine sent for these keys: its GPUs and storage controllers (by PCI class, so a rule can say
// count(gpus) > 0 without knowing class codes) and its boot NIC's LLDP neighbour (lldp.switch).
// docs/discovery.md#pci-devices and #lldp.
import type { Facts } from './facts.js';

type Pci = NonNullable<Facts['pci']>[number];

/** PCI base class 03: display controllers (VGA 0300, 3D 0302, other 0380). */
export function isGpu(device: Pci): boolean {
  return device.class_id?.startsWith('03') === true;
}

/** PCI base class 01: mass storage (SATA 0106, SAS 0107, NVMe 0108, RAID 0104…). */
export function isStorageController(device: Pci): boolean {
  return device.class_id?.startsWith('01') === true;
}

export function withInventory(facts: Facts): Facts {
  const { gpus: _gpus, storage_controllers: _storage, lldp: _lldp, ...rest } = facts;
  const pci = facts.pci ?? [];
  const bootNic = facts.nics.find((n) => n.mac.toLowerCase() === facts.boot_mac.toLowerCase());
  return {
    ...rest,
    ...(facts.pci ? { gpus: pci.filter(isGpu), storage_controllers: pci.filter(isStorageController) } : {}),
    ...(bootNic?.lldp ? { lldp: bootNic.lldp } : {}),
  };
}
