// Boot entries that bring a machine into discovery, one generator per loader.
import { describe, expect, it } from 'vitest';
import { cmdline } from '../../src/boot/cmdline.js';
import { dvdArgs, dvdRecipe } from '../../src/boot/dvd.js';
import { grub } from '../../src/boot/grub.js';
import { ipxe } from '../../src/boot/ipxe.js';
import { checkBootUrl } from '../../src/boot/options.js';
import { pxelinux } from '../../src/boot/pxelinux.js';

const src = { url: 'http://192.0.2.10:8080', repo: 'http://mirror.example.com/rhel9/BaseOS/x86_64/os/' };
const ARGS =
  'ip=dhcp inst.repo=http://mirror.example.com/rhel9/BaseOS/x86_64/os inst.ks=http://192.0.2.10:8080/ks inst.ks.sendmac inst.ks.sendsn rd.driver.pre=ipmi_si,ipmi_devintf';

describe('boot lines', () => {
  it('When the command line is asked for, then it holds the stub URL, the headers options and DHCP, inst.-prefixed', () => {
    expect(cmdline(src)).toBe(ARGS);
  });

  it('When a PXELinux entry is made, then the kernel and initrd come from the tree and IPAPPEND 2 gives BOOTIF', () => {
    expect(pxelinux(src)).toBe(
      [
        'LABEL kickstand',
        '  MENU LABEL Kickstand discovery',
        '  KERNEL http://mirror.example.com/rhel9/BaseOS/x86_64/os/images/pxeboot/vmlinuz',
        `  APPEND initrd=http://mirror.example.com/rhel9/BaseOS/x86_64/os/images/pxeboot/initrd.img ${ARGS}`,
        '  IPAPPEND 2',
        '',
      ].join('\n'),
    );
  });

  it('When a GRUB2 entry is made, then it uses linuxefi/initrdefi for EL 8/9 (and an unknown release), plain linux/initrd for EL 10 and Fedora', () => {
    const g = grub(src);
    expect(g).toContain(`  linuxefi (http,mirror.example.com)/rhel9/BaseOS/x86_64/os/images/pxeboot/vmlinuz ${ARGS}\n`);
    expect(g).toContain('  initrdefi (http,mirror.example.com)/rhel9/BaseOS/x86_64/os/images/pxeboot/initrd.img\n');
    expect(grub({ ...src, repo: 'http://192.0.2.20:8081/os' })).toContain(
      '  initrdefi (http,192.0.2.20,8081)/os/images/pxeboot/initrd.img\n',
    );
    expect(grub({ ...src, repo: 'https://mirror.example.com/os' })).toMatch(/^# GRUB cannot fetch https/);
    expect(grub({ ...src, release: { family: 'rhel', major: 8 } })).toMatch(/^ {2}linuxefi .*\n {2}initrdefi /m);
    expect(grub({ ...src, release: { family: 'rhel', major: 10 } })).toMatch(/^ {2}linux .*\n {2}initrd /m);
    expect(grub({ ...src, release: { family: 'fedora', major: 42 } })).toMatch(/^ {2}linux .*\n {2}initrd /m);
  });

  it('When an iPXE script is made, then it is chain-loadable and passes BOOTIF from the booting NIC', () => {
    const s = ipxe(src);
    expect(s.startsWith('#!ipxe\n')).toBe(true);
    expect(s).toContain(`initrd=initrd.img ${ARGS} BOOTIF=01-\${netX/mac:hexhyp}\n`);
    expect(s).toContain('initrd --name initrd.img http://mirror.example.com/rhel9/BaseOS/x86_64/os/images/pxeboot/initrd.img\n');
    expect(s.trimEnd().endsWith('boot')).toBe(true);
  });

  it('When booting from the DVD, then no inst.repo is needed and mkksiso bakes the stub in', () => {
    expect(dvdArgs(src)).toBe('ip=dhcp inst.ks=http://192.0.2.10:8080/ks inst.ks.sendmac inst.ks.sendsn');
    expect(dvdRecipe(src)).toContain(
      "curl -fsS -o kickstand-stub.ks 'http://192.0.2.10:8080/ks?download=1'\nmkksiso --ks kickstand-stub.ks",
    );
  });

  it.each(['http://x/ a', 'http://x/"', 'http://x/$(reboot)', 'ftp://x/', 'http://x/{a}'])(
    'When the tree URL is %j, then it is refused',
    (url) => {
      expect(checkBootUrl(url, 'repo')).toHaveProperty('problem');
    },
  );
});
