// The inventory facts from a real kernel: the VM of the tests' hardware (two virtio-net NICs, a
// virtio-blk and a virtio-scsi disk, no display) boots into the stub, and its %pre reports the virtio
// PCI functions with their classes and bound driver, both NICs' driver versions from `ethtool -i`, the
// memory module qemu's SMBIOS describes (dmidecode -t 17) and no TPM. The image has no pci.ids, so
// devices go by ids only; no python3 either, so no LLDP (docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours).
import { describe, expect, it } from 'vitest';
import { bootInstaller, fullHardware, MACS, MEMORY_MIB, startRig, vmSuite, waitRegistered, type Json } from './harness.js';

const suite = vmSuite('inventory');
const { cleanups, timings } = suite;

const VIRTIO = '1af4';

describe('inventory facts under a real kernel', () => {
  it('When a VM with two virtio NICs and virtio disks registers, then pci[] lists them with class and driver, and each NIC has its driver version', async () => {
    const rig = await startRig(cleanups);
    const b = bootInstaller(suite.env, rig, cleanups, 'inventory', fullHardware(rig));
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;
    const facts = host.facts as Json;
    const pci = facts.pci as Json[];

    // Two virtio network functions (class 0200), bound to virtio-pci; each NIC's pci address is one of them.
    const nets = pci.filter((d) => d.vendor_id === VIRTIO && d.class_id === '0200');
    expect(nets).toHaveLength(2);
    for (const d of nets) expect(d).toMatchObject({ driver: 'virtio-pci', slot: expect.stringMatching(/^0000:00:[0-9a-f]{2}\.0$/) });
    expect(facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    expect(facts.nics.map((n: Json) => n.pci).sort()).toEqual(nets.map((d) => d.slot).sort());
    // virtio-blk and virtio-scsi: SCSI storage controllers (0100), hence the derived storage controllers.
    const storage = pci.filter((d) => d.vendor_id === VIRTIO && d.class_id === '0100');
    expect(storage).toHaveLength(2);
    expect(facts.storage_controllers.filter((d: Json) => d.vendor_id === VIRTIO)).toEqual(storage);
    // The i440FX host bridge, and no display (the VM runs with -nodefaults -display none).
    expect(pci).toContainEqual(expect.objectContaining({ slot: '0000:00:00.0', class_id: '0600', vendor_id: '8086', device_id: '1237' }));
    expect(facts.gpus).toEqual([]);
    // No pci.ids in the image: lspci knows no names, and none are made up.
    for (const d of pci) expect(d).not.toHaveProperty('device');

    // ethtool -i: virtio_net's version; a virtio NIC has no firmware to report.
    for (const n of facts.nics) {
      expect(n).toMatchObject({ driver: 'virtio_net', driver_version: expect.stringMatching(/^\d+(\.\d+)+/) });
      expect(n).not.toHaveProperty('firmware');
    }
    // qemu's SMBIOS describes the memory as type 17 devices; dmidecode (optional) is in this image
    // when this machine has it.
    if (suite.env.image.missingTools.includes('dmidecode')) expect(facts).not.toHaveProperty('dimms');
    else expect((facts.dimms as { size_mib: number }[]).reduce((sum, d) => sum + d.size_mib, 0)).toBe(MEMORY_MIB);
    expect(facts.tpm).toEqual({ present: false });
    for (const n of facts.nics) expect(n).not.toHaveProperty('lldp');
  }, 420_000);
});
