// iPXE: a chain-loadable script. ${netX/mac:hexhyp} is the MAC of the NIC iPXE booted from, written
// the way BOOTIF wants it (aa-bb-…).
import { discoveryArgs, resolved, type BootSource } from './options.js';

export function ipxe(src: BootSource): string {
  const r = resolved(src);
  return [
    '#!ipxe',
    `kernel ${r.kernel} initrd=initrd.img ${discoveryArgs(src).join(' ')} BOOTIF=01-\${netX/mac:hexhyp}`,
    `initrd --name initrd.img ${r.initrd}`,
    'boot',
    '',
  ].join('\n');
}
