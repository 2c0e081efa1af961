// DHCP chaining snippets (src/boot/dhcp-snippets.ts): built from the real base URL and the real iPXE
// script routes, Kea's valid JSON with every value a quoted string, the architectures told apart.
import { describe, expect, it } from 'vitest';
import { dhcpChain, dhcpSnippets, iscDhcpdSnippet, ipxeScriptUrl, keaSnippet, dnsmasqSnippet } from '../../src/boot/dhcp-snippets.js';

const BASE = 'http://192.0.2.10:8080';

describe('DHCP snippets', () => {
  it('When the boot page has an installer and a profile, then the script URL is /boot/ipxe with them and an unencoded ${net0/mac}', () => {
    expect(ipxeScriptUrl(BASE, {})).toBe('http://192.0.2.10:8080/boot/ipxe?mac=${net0/mac}');
    expect(ipxeScriptUrl(BASE, { installer: 'rhel9', profile: 'web node' })).toBe(
      'http://192.0.2.10:8080/boot/ipxe?installer=rhel9&profile=web+node&mac=${net0/mac}',
    );
    expect(ipxeScriptUrl(BASE, { installer: 'rhel9', profile: 'p' }, 'image')).toBe(
      'http://192.0.2.10:8080/discovery/boot/ipxe?profile=p&mac=${net0/mac}',
    );
    // A typed tree cannot break out of the URL (or out of a dnsmasq line, a dhcpd string, a JSON value).
    const hostile = ipxeScriptUrl(BASE, { repo: 'http://x/"; evil\n,a' });
    expect(hostile).not.toMatch(/["\n,;\s]/);
  });

  it('When Kea is printed, then it is valid JSON whose classes give the script to iPXE and the binaries by option 93, all values quoted', () => {
    const chain = dhcpChain(BASE, ipxeScriptUrl(BASE, { installer: 'rhel9' }));
    const kea = JSON.parse(keaSnippet(chain)) as { Dhcp4: { 'client-classes': Record<string, unknown>[] } };
    const classes = kea.Dhcp4['client-classes'];
    expect(classes.map((c) => c.name)).toEqual(['ipxe', 'uefi-http', 'uefi-pxe', 'bios-pxe']);
    expect(classes[0]).toEqual({
      name: 'ipxe',
      test: "substring(option[77].hex,0,4) == 'iPXE'",
      'boot-file-name': 'http://192.0.2.10:8080/boot/ipxe?installer=rhel9&mac=${net0/mac}',
    });
    expect(classes[1]!.test).toBe("not member('ipxe') and option[93].hex == 0x0010");
    expect(classes[2]).toMatchObject({ 'next-server': '192.0.2.10', 'boot-file-name': 'snponly.efi' });
    expect(classes[2]!.test).toContain('option[93].hex == 0x0007 or option[93].hex == 0x0009');
    expect(classes[3]).toMatchObject({ test: "not member('ipxe') and option[93].hex == 0x0000", 'boot-file-name': 'undionly.kpxe' });
    const values = (v: unknown): unknown[] => (v && typeof v === 'object' ? Object.values(v).flatMap(values) : [v]);
    for (const v of values(kea)) expect(typeof v).toBe('string');
  });

  it('When the base URL is a name, then no next-server is invented (Kea needs an IPv4 address there)', () => {
    const chain = dhcpChain('https://kickstand.example.com', ipxeScriptUrl('https://kickstand.example.com', {}));
    expect(chain.tftpServer).toBeUndefined();
    expect(keaSnippet(chain)).not.toContain('next-server');
    expect(iscDhcpdSnippet(chain)).not.toContain('next-server');
    expect(dnsmasqSnippet(chain)).toContain('dhcp-boot=tag:bios,tag:!ipxe,undionly.kpxe\n');
  });

  it('When dnsmasq and ISC dhcpd are printed, then both chain iPXE to the script and pick the binary by architecture', () => {
    const chain = dhcpChain(BASE, ipxeScriptUrl(BASE, {}));
    const { dnsmasq, dhcpd } = dhcpSnippets(chain);
    expect(dnsmasq).toContain('dhcp-userclass=set:ipxe,iPXE\n');
    expect(dnsmasq).toContain('dhcp-boot=tag:ipxe,http://192.0.2.10:8080/boot/ipxe?mac=${net0/mac}\n');
    expect(dnsmasq).toContain('dhcp-match=set:bios,option:client-arch,0\n');
    expect(dnsmasq).toContain('dhcp-match=set:efihttp,option:client-arch,16\n');
    expect(dnsmasq).toContain('dhcp-boot=tag:efi64,tag:!ipxe,snponly.efi,,192.0.2.10\n');
    expect(dnsmasq).toContain('dhcp-option-force=tag:efihttp,60,HTTPClient\n');
    expect(dhcpd).toContain('option arch code 93 = unsigned integer 16;');
    expect(dhcpd).toContain(
      'if exists user-class and option user-class = "iPXE" {\n  filename "http://192.0.2.10:8080/boot/ipxe?mac=${net0/mac}";',
    );
    expect(dhcpd).toContain('} elsif option arch = 00:10 {\n  option vendor-class-identifier "HTTPClient";');
    expect(dhcpd).toContain('} elsif option arch = 00:07 or option arch = 00:09 {\n  filename "snponly.efi";');
    expect(dhcpd).toContain('} else {\n  filename "undionly.kpxe";');
    // Balanced braces: a paste that does not parse is worse than none.
    expect(dhcpd.split('{').length).toBe(dhcpd.split('}').length);
  });

  it('When a configured base URL holds a double quote, then the dhcpd string escapes it', () => {
    const chain = { script: 'http://a/"b', httpBootUrl: 'http://WEB/snponly.efi' };
    expect(iscDhcpdSnippet(chain)).toContain('filename "http://a/\\"b";');
  });
});
