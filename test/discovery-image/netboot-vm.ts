// A VM that boots from the network the way a rack machine does: no -kernel, the NIC's iPXE option ROM
// (Debian's ipxe-qemu) takes a DHCP lease from qemu's user network, whose boot file is an http:// URL
// (the service's /discovery/boot/ipxe, reached through the same per-connection forward as the other
// VM tests), and iPXE runs that script: the discovery image's kernel and initrd over HTTP. The console
// and the wait are test/vm/qemu.ts's; only the boot differs, so it lives here rather than in qemu.ts.
import { machineArgs, runQemu, type Accel, type Vm } from '../vm/qemu.js';

// An e1000: SeaBIOS 1.16 does not run the 2019 pxe-virtio.rom of Debian 12's ipxe-qemu for qemu 7.2's
// virtio-net (its boot list never names the NIC), while pxe-e1000.rom runs and boots.
export const PXE_ROM = '/usr/lib/ipxe/qemu/pxe-e1000.rom';

export interface NetbootOptions {
  accel: Accel;
  /** The DHCP boot file: a URL iPXE fetches and runs. */
  bootfile: string;
  /** Guest address and port of the service, forwarded to 127.0.0.1:servicePort. */
  guestAddr: string;
  guestPort: number;
  servicePort: number;
  mac: string;
  memoryMib: number;
  cpus: number;
}

export function netbootVm(o: NetbootOptions): Vm {
  const netdev = [
    'user,id=n0,restrict=on',
    `bootfile=${o.bootfile}`,
    `guestfwd=tcp:${o.guestAddr}:${o.guestPort}-cmd:socat -lf /dev/null - TCP:127.0.0.1:${o.servicePort}`,
  ].join(',');
  const args = machineArgs(o);
  args.push('-boot', 'n');
  args.push('-netdev', netdev, '-device', `e1000,netdev=n0,mac=${o.mac},romfile=${PXE_ROM}`);
  return runQemu(args);
}
