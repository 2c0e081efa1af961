// The BMC job queue against simulated BMCs: the global and per-BMC limits hold, only unreachable and
// timed-out operations are retried, a timeout is reported as one, and 500 jobs drain.
import { describe, expect, it } from 'vitest';
import type { BmcTarget } from '../../src/bmc/bmc.js';
import { BmcJobQueue, type JobContext } from '../../src/bmc/jobs/queue.js';
import { FakeBmcs } from '../support/fake-bmc.js';

const target = (address: string, password = 'secret'): BmcTarget => ({
  driver: 'ipmi',
  address,
  port: 623,
  username: 'admin',
  password,
  verify_tls: false,
});

function statusJob(queue: BmcJobQueue, bmcs: FakeBmcs, address: string, priority: 'normal' | 'low' = 'normal', password?: string) {
  const driver = bmcs.drivers().ipmi;
  return queue.submit({
    host: address,
    action: 'status',
    actor: 'test',
    key: `${address}:623`,
    priority,
    run: (ctx: JobContext) => ctx.step('power status', () => ctx.call((signal) => driver.powerState(target(address, password), signal))),
  });
}

describe('the BMC job queue', () => {
  it('When 500 jobs over 100 BMCs are queued, then at most the limit run at once, one per BMC, and all drain', async () => {
    const bmcs = new FakeBmcs();
    for (let i = 0; i < 100; i++) bmcs.machine(`10.0.0.${i}`, { delayMs: 2, power: i % 2 ? 'on' : 'off' });
    const queue = new BmcJobQueue({ concurrency: 7, timeoutMs: 5000, retries: 0 });
    const jobs = Array.from({ length: 500 }, (_, i) => statusJob(queue, bmcs, `10.0.0.${i % 100}`));
    expect(queue.pending).toBe(500);
    const done = await Promise.all(jobs.map((j) => j.done));
    expect(done.every((j) => j.status === 'succeeded')).toBe(true);
    expect(done.map((j) => j.result)).toEqual(jobs.map((_, i) => ((i % 100) % 2 ? 'on' : 'off')));
    expect(bmcs.calls).toHaveLength(500);
    expect(bmcs.maxRunning).toBe(7);
    expect(bmcs.maxPerAddress).toBe(1);
    expect(queue.pending).toBe(0);
  });

  it('When one BMC gets many jobs, then they run one after the other', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.1.1', { delayMs: 3 });
    const queue = new BmcJobQueue({ concurrency: 10, timeoutMs: 5000, retries: 0 });
    await Promise.all(Array.from({ length: 10 }, () => statusJob(queue, bmcs, '10.0.1.1').done));
    expect(bmcs.maxPerAddress).toBe(1);
    expect(bmcs.calls).toHaveLength(10);
  });

  it('When a BMC is unreachable, then the operation is retried, and fails as BMC_UNREACHABLE after the retries', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.2.1', { fail: 'unreachable' });
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 2, backoffMs: 1 });
    const job = await statusJob(queue, bmcs, '10.0.2.1').done;
    expect(bmcs.calls).toHaveLength(3);
    expect(job.attempts).toBe(2);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ code: 'BMC_UNREACHABLE', message: 'no BMC answers at 10.0.2.1', step: 'power status' });
    expect(job.steps).toEqual([expect.objectContaining({ name: 'power status', outcome: 'failed', code: 'BMC_UNREACHABLE' })]);
  });

  it('When a BMC comes back during the retries, then the job succeeds', async () => {
    const bmcs = new FakeBmcs();
    const m = bmcs.machine('10.0.2.2', { fail: 'unreachable', power: 'on' });
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 3, backoffMs: 1 });
    const driver = bmcs.drivers().ipmi;
    let tries = 0;
    const { done } = queue.submit({
      host: 'h',
      action: 'status',
      actor: 'test',
      key: 'k',
      run: (ctx) =>
        ctx.call((signal) => {
          if (++tries === 2) delete m.fail;
          return driver.powerState(target('10.0.2.2'), signal);
        }),
    });
    const job = await done;
    expect(job.status).toBe('succeeded');
    expect(job.result).toBe('on');
    expect(job.attempts).toBe(1);
  });

  it('When the BMC refuses the password, then it is not retried (BMC_AUTH)', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.3.1');
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 3, backoffMs: 1 });
    const job = await statusJob(queue, bmcs, '10.0.3.1', 'normal', 'wrong').done;
    expect(bmcs.calls).toHaveLength(1);
    expect(job.error?.code).toBe('BMC_AUTH');
    expect(job.attempts).toBe(0);
  });

  it('When the BMC refuses the action, then it is not retried (BMC_REFUSED)', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.3.2', { fail: 'refused' });
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 3, backoffMs: 1 });
    const job = await statusJob(queue, bmcs, '10.0.3.2').done;
    expect(bmcs.calls).toHaveLength(1);
    expect(job.error?.code).toBe('BMC_REFUSED');
  });

  it('When a BMC never answers, then the operation times out, is retried, and fails as BMC_TIMEOUT', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.4.1', { fail: 'timeout' });
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 100, retries: 1, backoffMs: 1 });
    const job = await statusJob(queue, bmcs, '10.0.4.1').done;
    expect(bmcs.calls).toHaveLength(2);
    expect(job.error?.code).toBe('BMC_TIMEOUT');
  });

  it('When more jobs wait than the queue holds, then the newcomers fail at once as RATE_LIMITED and those waiting still run', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.6.1', { delayMs: 5, power: 'on' });
    const queue = new BmcJobQueue({ concurrency: 1, timeoutMs: 5000, retries: 0, maxWaiting: 3 });
    const jobs = Array.from({ length: 6 }, () => statusJob(queue, bmcs, '10.0.6.1'));
    const done = await Promise.all(jobs.map((j) => j.done));
    // One runs at once, three wait: the fifth and sixth find the queue full.
    expect(done.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'failed']);
    expect(done[5]!.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('queue is full') });
    expect(bmcs.calls).toHaveLength(4);
  });

  it('When jobs with one share key are submitted while the first is unfinished, then they are that job; afterwards a new one runs', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.7.1', { delayMs: 20, power: 'on' });
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 0 });
    const driver = bmcs.drivers().ipmi;
    const ask = () =>
      queue.submit({
        host: 'h',
        action: 'status',
        actor: 'viewer',
        key: '10.0.7.1:623',
        share: 'status:h',
        run: (ctx) => ctx.call((signal) => driver.powerState(target('10.0.7.1'), signal)),
      });
    const first = ask();
    const second = ask();
    expect(second.job.id).toBe(first.job.id);
    await first.done;
    const third = ask();
    expect(third.job.id).not.toBe(first.job.id);
    await third.done;
    expect(bmcs.calls).toHaveLength(2);
  });

  it('When a driver lets the abort through as a plain error, then it is still reported as a timeout', async () => {
    const queue = new BmcJobQueue({ concurrency: 1, timeoutMs: 100, retries: 0 });
    const { done } = queue.submit({
      host: 'h',
      action: 'status',
      actor: 't',
      key: 'k',
      run: (ctx) =>
        ctx.call(
          (signal) =>
            new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('socket hang up')), { once: true })),
        ),
    });
    expect((await done).error).toEqual({ code: 'BMC_TIMEOUT', message: 'no answer within 100 ms' });
  });

  it('When a job throws something unexpected, then it fails as an internal error without the detail, and the fault is reported', async () => {
    const faults: unknown[] = [];
    const queue = new BmcJobQueue({ concurrency: 1, timeoutMs: 100, retries: 3, onFault: (err) => faults.push(err) });
    const { done } = queue.submit({
      host: 'h',
      action: 'x',
      actor: 't',
      key: 'k',
      run: () => Promise.reject(new Error('db path /secret/x')),
    });
    const job = await done;
    expect(job.error).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(faults).toHaveLength(1);
  });

  it('When background jobs fill the queue, then an action queued after them runs first, and low work never takes every slot', async () => {
    const bmcs = new FakeBmcs();
    for (let i = 0; i < 20; i++) bmcs.machine(`10.0.5.${i}`, { delayMs: 5 });
    bmcs.machine('10.0.6.1', { delayMs: 5 });
    const queue = new BmcJobQueue({ concurrency: 4, timeoutMs: 5000, retries: 0 });
    const order: string[] = [];
    const background = Array.from({ length: 20 }, (_, i) => statusJob(queue, bmcs, `10.0.5.${i}`, 'low'));
    const action = statusJob(queue, bmcs, '10.0.6.1');
    // The action started at once: half the slots are kept free of low work.
    expect(action.job.status).toBe('running');
    for (const j of [...background, action]) void j.done.then((d) => order.push(d.host));
    await Promise.all([...background, action].map((j) => j.done));
    expect(order.indexOf('10.0.6.1')).toBeLessThan(3);
    expect(bmcs.maxRunning).toBeLessThanOrEqual(3);
  });

  it('When jobs finish, then the newest are kept for GET, bounded, and listed per host, newest first', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.7.1');
    bmcs.machine('10.0.7.2');
    const queue = new BmcJobQueue({ concurrency: 2, timeoutMs: 5000, retries: 0, keep: 3 });
    const first = statusJob(queue, bmcs, '10.0.7.1');
    await first.done;
    const rest = [statusJob(queue, bmcs, '10.0.7.2'), statusJob(queue, bmcs, '10.0.7.1'), statusJob(queue, bmcs, '10.0.7.1')];
    await Promise.all(rest.map((j) => j.done));
    expect(queue.get(first.job.id)).toBeUndefined();
    expect(queue.get(rest[0]!.job.id)?.status).toBe('succeeded');
    expect(queue.list('10.0.7.1').map((j) => j.id)).toEqual([rest[2]!.job.id, rest[1]!.job.id]);
  });

  it('When the queue stops, then queued jobs fail with a reason and running ones are aborted', async () => {
    const bmcs = new FakeBmcs();
    bmcs.machine('10.0.8.1', { fail: 'timeout' });
    const queue = new BmcJobQueue({ concurrency: 1, timeoutMs: 60_000, retries: 5 });
    const running = statusJob(queue, bmcs, '10.0.8.1');
    const queued = statusJob(queue, bmcs, '10.0.8.1');
    await queue.stop();
    expect((await queued.done).error?.message).toBe('the service is stopping');
    expect((await running.done).status).toBe('failed');
    expect(bmcs.calls).toHaveLength(1);
  });
});
