// The host page's deeper inventory (src/web/host-inventory.ts, views/host-inventory.njk): PCI devices,
// the GPUs and storage controllers derived from them, each NIC's firmware and LLDP neighbour, DIMMs
// with their total, the TPM. A long section starts collapsed; a machine that reported none of it gets
// no empty section; a hostile machine's strings are text on the page, never markup.
import path from 'node:path';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryView, OPEN_ROWS } from '../../src/web/host-inventory.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin } from '../support/sessions.js';

const HOSTILE = '<script>alert("pwned")</script>';
const HOSTILE_ATTR = '"><img src=x onerror=alert(1)>';

let srv: TestServer;
let viewer: request.Agent;

/** A machine with a GPU, a RAID controller, a NIC with firmware and a switch port, two DIMMs and a TPM. */
function richFacts(overrides: { pci?: object[]; switchName?: string; dimmPart?: string } = {}) {
  const facts = sampleFacts();
  const [boot, second] = facts.nics as Record<string, unknown>[];
  Object.assign(boot!, {
    driver_version: '1.13.7-k',
    firmware: '4.40 0x8001b94f 1.3429.0',
    lldp: {
      chassis_id: '00:1c:73:aa:bb:cc',
      switch: overrides.switchName ?? 'leaf-12',
      port: 'Ethernet1/7',
      port_description: 'rack 4 u 12',
      vlan: 120,
      mgmt_ip: '10.0.0.12',
      source: 'lldptool',
    },
  });
  Object.assign(second!, { firmware: '4.40 0x8001b94f 1.3429.0' });
  return {
    ...facts,
    pci: overrides.pci ?? [
      {
        slot: '0000:17:00.0',
        class: 'VGA compatible controller',
        class_id: '0300',
        vendor: 'NVIDIA Corporation',
        vendor_id: '10de',
        device: 'GA100 [A100 PCIe 40GB]',
        device_id: '20f1',
        driver: 'nvidia',
      },
      {
        slot: '0000:3b:00.0',
        class: 'RAID bus controller',
        class_id: '0104',
        vendor: 'Broadcom / LSI',
        vendor_id: '1000',
        device: 'MegaRAID SAS-3 3108',
        device_id: '005d',
        driver: 'megaraid_sas',
      },
      {
        slot: '0000:5e:00.0',
        class: 'Ethernet controller',
        class_id: '0200',
        vendor: 'Intel Corporation',
        device: 'E810-C',
        driver: 'ice',
      },
    ],
    dimms: [
      {
        locator: 'DIMM_A1',
        bank: 'P0',
        size_mib: 32768,
        type: 'DDR4',
        speed_mts: 3200,
        manufacturer: 'Samsung',
        part_number: overrides.dimmPart ?? 'M393A4K40DB3-CWE',
      },
      {
        locator: 'DIMM_B1',
        bank: 'P0',
        size_mib: 32768,
        type: 'DDR4',
        speed_mts: 3200,
        manufacturer: 'Samsung',
        part_number: 'M393A4K40DB3-CWE',
      },
    ],
    tpm: { present: true, version: '2.0', manufacturer: 'INTC' },
  };
}

async function hostPage(facts: object): Promise<string> {
  const { id } = await registerMachine(srv.url, facts);
  return (await viewer.get(`/hosts/${id}`).expect(200)).text;
}

/** The <details> element with this id, from its start tag to its end. */
function section(html: string, id: string): string | undefined {
  const start = html.indexOf(`<details class="inventory" id="${id}"`);
  if (start < 0) return undefined;
  return html.slice(start, html.indexOf('</details>', start) + '</details>'.length);
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'inv-viewer', 'viewer', 'viewer-password-123');
  viewer = (await webLogin(srv, 'inv-viewer', 'viewer-password-123')).agent;
});
afterAll(async () => {
  await srv.stop();
});

describe('host page inventory', () => {
  it('When a machine reported PCI devices, LLDP, DIMMs and a TPM, then its page shows each, derived sections included', async () => {
    const html = await hostPage(richFacts());
    const pci = section(html, 'pci-devices')!;
    expect(pci).toContain('<code>0000:3b:00.0</code>');
    expect(pci).toContain('RAID bus controller [0104]');
    expect(pci).toContain('<td>megaraid_sas</td>');
    expect(pci).toMatch(/^<details class="inventory" id="pci-devices" open>/);
    // Derived by the service from the PCI classes: the GPU and the RAID controller, nothing else.
    const gpus = section(html, 'gpus')!;
    expect(gpus).toContain('GA100 [A100 PCIe 40GB] [20f1]');
    expect(gpus).not.toContain('MegaRAID');
    const storage = section(html, 'storage-controllers')!;
    expect(storage).toContain('MegaRAID SAS-3 3108 [005d]');
    expect(storage).not.toContain('E810-C');
    const nics = section(html, 'nic-firmware')!;
    expect(nics).toContain('ice 1.13.7-k');
    expect(nics).toContain('4.40 0x8001b94f 1.3429.0');
    expect(nics).toContain('>leaf-12 Ethernet1/7<');
    expect(nics).toContain('<td>120</td>');
    expect(nics).toContain('title="chassis 00:1c:73:aa:bb:cc · port description rack 4 u 12 · management 10.0.0.12 · heard by lldptool"');
    const dimms = section(html, 'dimms')!;
    expect(dimms).toContain('(2, 64 GiB in all)');
    expect(dimms).toContain('<td>P0 / DIMM_A1</td><td>32 GiB</td><td>DDR4</td><td>3200 MT/s</td>');
    expect(html).toContain('<strong>TPM</strong>: present, version 2.0 (INTC)');
  });

  it('When fact strings are hostile markup, then they are shown as text, in cells and in titles', async () => {
    const html = await hostPage(
      richFacts({
        pci: [{ slot: '0000:17:00.0', class: HOSTILE, class_id: '0300', vendor: HOSTILE_ATTR, device: HOSTILE, driver: 'nv' }],
        switchName: HOSTILE_ATTR,
        dimmPart: HOSTILE,
      }),
    );
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain(HOSTILE_ATTR);
    expect(html).not.toContain('<img src=x');
    expect(section(html, 'gpus')).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; [0300]');
    expect(section(html, 'nic-firmware')).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt; Ethernet1/7');
    expect(section(html, 'dimms')).toContain('title="&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"');
  });

  it('When a machine reported none of it, then its page has no inventory section at all', async () => {
    const html = await hostPage(sampleFacts());
    expect(html).toContain('<h3>Disks</h3>');
    expect(html).not.toContain('class="inventory"');
    for (const heading of ['PCI devices', 'GPUs', 'Storage controllers', 'NIC firmware', 'Memory modules', '<strong>TPM</strong>'])
      expect(html).not.toContain(heading);
  });

  it('When a section is long, then it starts collapsed with its count; a short one beside it starts open', async () => {
    const many = Array.from({ length: OPEN_ROWS + 12 }, (_, i) => ({
      slot: `0000:${i.toString(16).padStart(2, '0')}:00.0`,
      class: 'Non-Volatile memory controller',
      class_id: '0108',
      vendor: 'Samsung Electronics Co Ltd',
      device: 'NVMe SSD Controller PM9A3',
      driver: 'nvme',
    }));
    const html = await hostPage(richFacts({ pci: many }));
    expect(section(html, 'pci-devices')).toMatch(
      /^<details class="inventory" id="pci-devices"><summary><h3>PCI devices <small>\(20\)<\/small>/,
    );
    expect(section(html, 'storage-controllers')).toMatch(/^<details class="inventory" id="storage-controllers"><summary>/);
    expect(section(html, 'dimms')).toMatch(/^<details class="inventory" id="dimms" open>/);
    expect(section(html, 'gpus')).toBeUndefined();
  });
});

describe('inventoryView', () => {
  it('When NICs told nothing beyond the main table, a TPM is absent and a DIMM has no size, then the view says so without guessing', () => {
    const facts = sampleFacts() as never as Parameters<typeof inventoryView>[0] & object;
    expect(inventoryView(facts)).toEqual({});
    expect(inventoryView(undefined)).toEqual({});
    const view = inventoryView({
      ...facts,
      tpm: { present: false },
      dimms: [
        { locator: 'A1', size_mib: null },
        { locator: 'A2', size_mib: 1024 },
      ],
    });
    expect(view.tpm).toEqual({ present: false, version: '', manufacturer: '' });
    expect(view.dimms).toMatchObject({ count: 2, total_mib: 1024, open: true });
    expect(view.dimms?.rows[0]).toMatchObject({ locator: 'A1', size: null, speed: '' });
  });
});
