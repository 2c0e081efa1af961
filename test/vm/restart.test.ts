// The service stopped and started again on the same port and data while the VM polls: qemu's guestfwd
// starts a socat per connection, so the guest's polls fail while the service is down (connection
// refused behind the forward), back off, and reach the new service once it listens; the host and its
// token are in the data folder, so the kickstart assigned after the restart reaches the guest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { bootInstaller, PUBLIC_URL, startRig, vmEnv, waitRegistered, type Cleanups, type Json, type VmEnv } from './harness.js';

const FINAL_TEMPLATE = 'vm-final.ks.njk';
const FINAL_SOURCE = `# after the restart: {{ host.id }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
`;
const DOWN_MS = 6_000;

let env: VmEnv;
beforeAll(async () => {
  env = await vmEnv();
}, 600_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test (restart): accel ${env?.accel}, image ${env?.image.cached ? 'cached' : 'built'}`, env?.timings);
});

describe('the service restarts while a real kernel polls', () => {
  it('When the service stops and starts again on the same port while the VM polls, then the VM keeps polling and gets the kickstart assigned after the restart', async () => {
    const rig = await startRig(cleanups, { [FINAL_TEMPLATE]: FINAL_SOURCE });
    const b = bootInstaller(env, rig, cleanups, 'restart');
    const host = await waitRegistered(rig, b);
    env.timings.bootToRegistrationMs = Date.now() - b.booted;

    const { port } = rig.srv;
    await rig.srv.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    rig.srv = await startTestServer({ port, templatesDir: rig.templatesDir, dataDir: rig.dataDir, pollInterval: 1, publicUrl: PUBLIC_URL });
    const restartedAt = Date.now();
    env.timings.downMs = restartedAt - stoppedAt;
    expect(rig.srv.port).toBe(port);

    // The guest's next poll reaches the new service (its backoff after ~6 s of failures is at most 8 s).
    for (;;) {
      const h = (await (await rig.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Json;
      if (Date.parse(h.last_seen_at as string) >= restartedAt - 1000) break;
      if (Date.now() - restartedAt > 60_000) throw new Error(`no poll since the restart; console:\n${b.vm.console().slice(-4000)}`);
      await Promise.race([new Promise((r) => setTimeout(r, 500)), b.fail]);
    }
    env.timings.restartToPollMs = Date.now() - restartedAt;
    // While it was down the %pre's polls failed (the forward accepts, then closes: an empty reply, not a
    // refused connection as on a real network) and it kept going.
    expect(b.vm.console()).toMatch(/kickstand: error: polling failed: curl: \(52\) Empty reply from server/);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kickstart',
      template: FINAL_TEMPLATE,
      hostname: 'vm-restart.example.com',
      params: {},
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const preview = await (await rig.admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();

    const m = await Promise.race([
      b.vm.waitFor(/KICKSTAND-VM: include begin (\d+)\r?\n([\s\S]*?)KICKSTAND-VM: include end/, 120_000),
      b.fail,
    ]);
    env.timings.restartToIncludeMs = Date.now() - restartedAt;
    const include = Buffer.from(
      m[2]!
        .split(/\r?\n/)
        .filter((l) => /^[A-Za-z0-9+/=]+$/.test(l))
        .join(''),
      'base64',
    ).toString('utf8');
    expect(include).toBe(preview);
    expect(include).toContain('--hostname=vm-restart.example.com');
  }, 420_000);
});
