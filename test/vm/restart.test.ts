// The service goes away while the VM polls, twice: stopped (SIGTERM, a graceful stop), then killed
// (SIGKILL, nothing flushed or closed), each time started again on the same port and data. The service
// runs as a process of its own (test/support/service-process.ts). qemu's guestfwd starts a socat per
// connection, so while the service is down the guest's polls fail (accepted, then closed), back off,
// and reach the new process once it listens; the host and its token are in the data folder, so the
// kickstart assigned after the kill reaches the guest byte for byte.
import { describe, expect, it } from 'vitest';
import {
  bootInstaller,
  hostDetail,
  startProcessRig,
  vmSuite,
  waitInclude,
  waitRegistered,
  type Booted,
  type Json,
  type ProcessRig,
} from './harness.js';

const FINAL_TEMPLATE = 'vm-final.ks.njk';
const FINAL_SOURCE = `# after the restart: {{ host.id }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
`;
const DOWN_MS = 5_000;
const POLL_FAILED = /kickstand: error: polling failed: curl: \(52\) Empty reply from server/g;

const suite = vmSuite('restart');
const { cleanups, timings } = suite;

/** Stops the service with `signal`, keeps it down while the guest polls, starts it again and waits for
 *  the guest's next poll to reach the new process. */
async function outage(rig: ProcessRig, b: Booted, hostId: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const failedBefore = b.vm.console().match(POLL_FAILED)?.length ?? 0;
  const exit = await rig.svc.kill(signal);
  // SIGTERM: the service stops by itself (exit code 0); SIGKILL: the kernel ends it.
  expect(exit).toEqual(signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null });
  const downAt = Date.now();
  await Promise.race([new Promise((r) => setTimeout(r, DOWN_MS)), b.fail]);
  await rig.restart();
  const restartedAt = Date.now();
  timings[`${signal}DownMs`] = restartedAt - downAt;
  for (;;) {
    const h = await hostDetail(rig, hostId);
    if (Date.parse(h.last_seen_at as string) >= restartedAt - 1000) break;
    if (Date.now() - restartedAt > 60_000) throw new Error(`no poll since the restart; console:\n${b.vm.console().slice(-4000)}`);
    await Promise.race([new Promise((r) => setTimeout(r, 500)), b.fail]);
  }
  timings[`${signal}RestartToPollMs`] = Date.now() - restartedAt;
  // While it was down the %pre's polls failed (the forward accepts, then closes: an empty reply, not a
  // refused connection as on a real network) and it kept going.
  expect(b.vm.console().match(POLL_FAILED)?.length ?? 0).toBeGreaterThan(failedBefore);
}

describe('the service stops, or is killed, while a real kernel polls', () => {
  it('When the service is stopped and then SIGKILLed while the VM polls, each time started again on the same port, then the VM keeps polling and gets the kickstart assigned after the kill byte for byte', async () => {
    const rig = await startProcessRig(cleanups, { [FINAL_TEMPLATE]: FINAL_SOURCE });
    const b = bootInstaller(suite.env, rig, cleanups, 'restart');
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;
    const port = rig.srv.port;

    await outage(rig, b, host.id as string, 'SIGTERM');
    await outage(rig, b, host.id as string, 'SIGKILL');
    expect(rig.srv.port).toBe(port);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kickstart',
      template: FINAL_TEMPLATE,
      hostname: 'vm-restart.example.com',
      params: {},
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const preview = await (await rig.admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();
    const assignedAt = Date.now();

    const include = await waitInclude(b);
    timings.assignToIncludeMs = Date.now() - assignedAt;
    expect(include.toString('utf8')).toBe(preview);
    expect(preview).toContain('--hostname=vm-restart.example.com');
    // One host all along: the restarts lost neither the registration nor the token.
    expect(((await (await rig.admin('GET', '/api/v1/hosts')).json()) as Json).hosts).toHaveLength(1);
  }, 600_000);
});
