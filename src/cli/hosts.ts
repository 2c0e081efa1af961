// `kickstand hosts import FILE [--dry-run] [--format csv|json]` and `kickstand hosts export [--format
// csv|json]`: expected hosts from a packing list (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list), through the running
// service's API on this machine — the service owns the data file and checks every row the one way it
// always does. The token is KICKSTAND_API_TOKEN (a personal API token: the import then runs with that
// user's role) or the admin token (KICKSTAND_ADMIN_TOKEN or the data dir's admin-token file).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { messageOf, UsageError } from '../errors.js';
import { serviceBaseUrl, serviceToken, ServiceApiError } from './user-api.js';

export const HOSTS_USAGE = `usage:
  kickstand hosts import FILE [--dry-run] [--format csv|json]   (format: from the file's extension, else csv)
  kickstand hosts export [--format csv|json]                    (to stdout)
Through the running service's API (KICKSTAND_API_TOKEN, else KICKSTAND_ADMIN_TOKEN or the data dir's admin-token).`;

interface PlanEntry {
  line?: number;
  index?: number;
  id: string;
  hostname?: string;
  changes?: string[];
}
interface Plan {
  dry_run: boolean;
  created: PlanEntry[];
  updated: PlanEntry[];
  unchanged: PlanEntry[];
}
interface Problem {
  message: string;
}

type Out = (line: string) => void;

export async function hostsCommand(argv: string[], out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, format: { type: 'string' } },
  });
  const [action, file] = positionals;
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'json')
    throw new UsageError(`--format must be csv or json, not "${values.format}"`, HOSTS_USAGE);
  const config = loadConfig();
  const personal = process.env.KICKSTAND_API_TOKEN || undefined;
  delete process.env.KICKSTAND_API_TOKEN;
  const token = personal ?? (await serviceToken(config));
  if (!token) throw new ServiceApiError('no token for the service: set KICKSTAND_API_TOKEN or KICKSTAND_ADMIN_TOKEN');
  const base = serviceBaseUrl(config);
  switch (action) {
    case 'import': {
      if (!file || positionals.length > 2) throw new UsageError('hosts import needs FILE', HOSTS_USAGE);
      const format = values.format ?? (file.toLowerCase().endsWith('.json') ? 'json' : 'csv');
      const body = await readFile(file, 'utf-8').catch((err: unknown) => {
        throw new ServiceApiError(`cannot read ${file}: ${messageOf(err)}`);
      });
      const res = await call(base, token, 'POST', `/api/v1/expected-hosts/import${values['dry-run'] ? '?dry_run=true' : ''}`, {
        type: format === 'json' ? 'application/json' : 'text/csv',
        body,
      });
      printPlan(JSON.parse(res) as Plan, out);
      break;
    }
    case 'export': {
      if (positionals.length > 1) throw new UsageError('hosts export takes no FILE: it writes to stdout', HOSTS_USAGE);
      process.stdout.write(await call(base, token, 'GET', `/api/v1/expected-hosts/export?format=${values.format ?? 'csv'}`));
      break;
    }
    default:
      throw new UsageError(`unknown hosts command "${action ?? ''}"`, HOSTS_USAGE);
  }
}

async function call(base: string, token: string, method: string, route: string, send?: { type: string; body: string }): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${base}${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(send ? { 'Content-Type': send.type } : {}) },
      ...(send ? { body: send.body } : {}),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    throw new ServiceApiError(
      `the service's API at ${base} did not answer (${messageOf(err)}): is it running? set PORT and KICKSTAND_BIND as it has them`,
    );
  }
  const text = await res.text();
  if (res.ok) return text;
  let error: { message?: string; errors?: Problem[] } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    // not our error body: the status says it
  }
  // A refused list: every problem on its own line (main.ts prints the message, exit 1).
  if (error?.errors?.length)
    throw new ServiceApiError(['the list was refused, nothing was imported:', ...error.errors.map((p) => `  ${p.message}`)].join('\n'));
  throw new ServiceApiError(`the service refused: ${error?.message ?? `HTTP ${res.status}`}`);
}

function printPlan(plan: Plan, out: Out): void {
  const where = (e: PlanEntry) => (e.line !== undefined ? `line ${e.line}` : `[${e.index ?? 0}]`);
  const row = (mark: string, e: PlanEntry, extra = '') =>
    out(`  ${mark} ${where(e)}\t${e.id || 'new'}${e.hostname ? `\t${e.hostname}` : ''}${extra}`);
  out(
    `${plan.dry_run ? 'dry run, nothing saved: would create' : 'created'} ${plan.created.length}, ${plan.dry_run ? 'update' : 'updated'} ${plan.updated.length}, unchanged ${plan.unchanged.length}`,
  );
  for (const e of plan.created) row('+', e);
  for (const e of plan.updated) row('~', e, `\t(${(e.changes ?? []).join(', ')})`);
}
