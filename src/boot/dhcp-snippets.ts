// DHCP configuration that chains every network-booting machine to Kickstand's iPXE script, for
// dnsmasq, ISC dhcpd and Kea (docs/boot.md#dhcp-chaining-to-kickstand). Pure functions of the base
// URL and the boot page's query, so the page and the tests print exactly the same text.
//
// The chain: firmware PXE (BIOS or UEFI) → an iPXE binary over TFTP, or UEFI HTTP boot → an iPXE EFI
// binary over HTTP → iPXE asks DHCP again, now with user class "iPXE", and is given the script URL
// (GET /boot/ipxe, src/http/boot.ts; or GET /discovery/boot/ipxe for the dracut image,
// src/http/discovery-image.ts). Option 93 (client system architecture, RFC 4578; IANA "Processor
// Architecture Types") tells the firmware kinds apart: 0 x86 BIOS, 7 and 9 x86-64 UEFI, 16 x86-64
// UEFI HTTP boot. iPXE expands ${net0/mac} in a DHCP filename (usr/autoboot.c, expand_settings), so
// the script learns the MAC it booted from without an embedded script.
import { isIP } from 'node:net';

export interface DhcpChain {
  /** The iPXE script URL handed to iPXE (with ${net0/mac} for iPXE to fill in). */
  script: string;
  /** The TFTP server holding undionly.kpxe and snponly.efi (next-server); undefined: the DHCP server. */
  tftpServer?: string;
  /** Where UEFI HTTP boot fetches iPXE's EFI binary (Kickstand does not serve iPXE itself). */
  httpBootUrl: string;
}

/** iPXE for BIOS PXE and for UEFI PXE, as the Debian package ipxe installs them (/usr/lib/ipxe/). */
export const BIOS_IPXE = 'undionly.kpxe';
export const UEFI_IPXE = 'snponly.efi';
export const HTTP_BOOT_PLACEHOLDER = 'http://WEB/snponly.efi';

export const ARCH = { bios: 0, efiBc: 7, efiX64: 9, efiHttp: 16 } as const;

/** The script URL for a boot page query: /boot/ipxe (the installer's %pre) or /discovery/boot/ipxe. */
export function ipxeScriptUrl(
  baseUrl: string,
  query: { installer?: string; profile?: string; repo?: string },
  target: 'installer' | 'image' = 'installer',
): string {
  const params = new URLSearchParams();
  if (target === 'installer') {
    if (query.installer) params.set('installer', query.installer);
    if (query.repo) params.set('repo', query.repo);
  }
  if (query.profile) params.set('profile', query.profile);
  const path = target === 'installer' ? '/boot/ipxe' : '/discovery/boot/ipxe';
  // The MAC stays unencoded: iPXE must see ${net0/mac} to expand it.
  const rest = params.toString();
  return `${baseUrl}${path}?${rest ? `${rest}&` : ''}mac=\${net0/mac}`;
}

/** The chain for a base URL: TFTP on the same host when it is an IPv4 literal (next-server is IPv4). */
export function dhcpChain(baseUrl: string, script: string): DhcpChain {
  const host = new URL(baseUrl).hostname;
  return { script, ...(isIP(host) === 4 ? { tftpServer: host } : {}), httpBootUrl: HTTP_BOOT_PLACEHOLDER };
}

export function dnsmasqSnippet(chain: DhcpChain): string {
  const server = chain.tftpServer ? `,,${chain.tftpServer}` : '';
  return [
    '# Kickstand: PXE → iPXE → Kickstand (dnsmasq). undionly.kpxe and snponly.efi (Debian: package ipxe,',
    '# /usr/lib/ipxe/) go in the TFTP root; with dnsmasq as the TFTP server: enable-tftp, tftp-root=DIR.',
    `dhcp-match=set:bios,option:client-arch,${ARCH.bios}`,
    `dhcp-match=set:efi64,option:client-arch,${ARCH.efiBc}`,
    `dhcp-match=set:efi64,option:client-arch,${ARCH.efiX64}`,
    `dhcp-match=set:efihttp,option:client-arch,${ARCH.efiHttp}`,
    '# iPXE itself (its second DHCP request) gets the script',
    'dhcp-userclass=set:ipxe,iPXE',
    `dhcp-boot=tag:bios,tag:!ipxe,${BIOS_IPXE}${server}`,
    `dhcp-boot=tag:efi64,tag:!ipxe,${UEFI_IPXE}${server}`,
    '# UEFI HTTP boot: the answer must carry vendor class HTTPClient; put snponly.efi on a web server (WEB)',
    'dhcp-option-force=tag:efihttp,60,HTTPClient',
    `dhcp-boot=tag:efihttp,tag:!ipxe,${chain.httpBootUrl}`,
    `dhcp-boot=tag:ipxe,${chain.script}`,
    '',
  ].join('\n');
}

export function iscDhcpdSnippet(chain: DhcpChain): string {
  return [
    '# Kickstand: PXE → iPXE → Kickstand (ISC dhcpd). At the top level of dhcpd.conf: an option',
    '# definition may not sit inside a subnet (move the if/elsif block into one if you want it scoped).',
    'option arch code 93 = unsigned integer 16;',
    ...(chain.tftpServer ? [`next-server ${chain.tftpServer};  # the TFTP server with undionly.kpxe and snponly.efi`] : []),
    'if exists user-class and option user-class = "iPXE" {',
    `  filename "${quoteIsc(chain.script)}";`,
    `} elsif option arch = ${hex16(ARCH.efiHttp)} {`,
    '  option vendor-class-identifier "HTTPClient";',
    `  filename "${quoteIsc(chain.httpBootUrl)}";`,
    `} elsif option arch = ${hex16(ARCH.efiBc)} or option arch = ${hex16(ARCH.efiX64)} {`,
    `  filename "${UEFI_IPXE}";`,
    '} else {',
    `  filename "${BIOS_IPXE}";`,
    '}',
    '',
  ].join('\n');
}

/** A Kea DHCPv4 fragment (client classes), as JSON: paste its "client-classes" into your Dhcp4. */
export function keaSnippet(chain: DhcpChain): string {
  const notIpxe = "not member('ipxe')";
  const tftp = chain.tftpServer ? { 'next-server': chain.tftpServer } : {};
  const config = {
    Dhcp4: {
      'client-classes': [
        // iPXE sends user class "iPXE" as a bare string (not RFC 3004's length-prefixed form).
        { name: 'ipxe', test: "substring(option[77].hex,0,4) == 'iPXE'", 'boot-file-name': chain.script },
        {
          name: 'uefi-http',
          test: `${notIpxe} and option[93].hex == ${keaHex(ARCH.efiHttp)}`,
          'option-data': [{ name: 'vendor-class-identifier', data: 'HTTPClient' }],
          'boot-file-name': chain.httpBootUrl,
        },
        {
          name: 'uefi-pxe',
          test: `${notIpxe} and (option[93].hex == ${keaHex(ARCH.efiBc)} or option[93].hex == ${keaHex(ARCH.efiX64)})`,
          ...tftp,
          'boot-file-name': UEFI_IPXE,
        },
        { name: 'bios-pxe', test: `${notIpxe} and option[93].hex == ${keaHex(ARCH.bios)}`, ...tftp, 'boot-file-name': BIOS_IPXE },
      ],
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** All three, for the boot page. */
export function dhcpSnippets(chain: DhcpChain): { dnsmasq: string; dhcpd: string; kea: string } {
  return { dnsmasq: dnsmasqSnippet(chain), dhcpd: iscDhcpdSnippet(chain), kea: keaSnippet(chain) };
}

const hex16 = (n: number) => `00:${n.toString(16).padStart(2, '0')}`;
const keaHex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** An ISC dhcpd string literal's inside: backslash and double quote escaped. */
function quoteIsc(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`);
}
