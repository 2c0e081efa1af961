// `kickstand user add|reset|token|list`: manage users from a shell on the Kickstand machine, e.g. to
// get back in after losing the admin password. It works on the data dir directly, so it refuses to
// run while the service holds it (see store/data-lock.ts) and points at the API instead.
import { parseArgs } from 'node:util';
import { loadConfig, takeSecret } from '../config.js';
import type { Deps } from '../deps.js';
import { Sightings } from '../discovery/sightings.js';
import { createKickstartEnvironment } from '../kickstart/environment.js';
import { createLogger } from '../log.js';
import { lockDataDir } from '../store/data-lock.js';
import { LowdbStore } from '../store/lowdb-store.js';
import { RenderCache } from '../kickstart/render-cache.js';
import { Mutex } from '../util/mutex.js';
import { createApiToken, createUser, resetPassword } from '../auth/users.js';

export const USER_USAGE = `usage:
  kickstand user list
  kickstand user add NAME --role admin|operator|author|viewer   (password: $KICKSTAND_USER_PASSWORD or generated)
  kickstand user reset NAME                                     (password: $KICKSTAND_USER_PASSWORD or generated)
  kickstand user token NAME [--name LABEL]                      (a personal API token, shown once)`;

export async function userCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
  const [action, name] = positionals;
  const config = loadConfig();
  const lock = await lockDataDir(config.dataDir);
  const store = await LowdbStore.open(config.dataDir);
  const deps: Deps = {
    config,
    store,
    kickstarts: createKickstartEnvironment(config.templatesDir, { watch: false }),
    log: createLogger('warn'),
    hostsLock: new Mutex(), templatesLock: new Mutex(),
    sightings: new Sightings(),
    configInstallers: [],
    renderCache: new RenderCache(),
  };
  const password = takeSecret(process.env, 'KICKSTAND_USER_PASSWORD');
  try {
    switch (action) {
      case 'list':
        for (const u of await store.listUsers()) out(`${u.name}\t${u.role}\t${u.tokens.length} token(s)\tsince ${u.created_at}`);
        break;
      case 'add': {
        if (!name || !values.role) throw new UsageError('user add needs NAME and --role');
        const made = await createUser(deps, name, values.role, password, 'cli');
        out(password ? `created ${name} (${made.user.role})` : `created ${name} (${made.user.role}) with the password:\n  ${made.password}`);
        break;
      }
      case 'reset': {
        if (!name) throw new UsageError('user reset needs NAME');
        const secret = await resetPassword(deps, name, password, 'cli');
        out(password ? `password of ${name} changed` : `new password of ${name}:\n  ${secret}`);
        break;
      }
      case 'token': {
        if (!name) throw new UsageError('user token needs NAME');
        const { id, token } = await createApiToken(deps, name, values.name ?? 'cli', 'cli');
        out(`token ${id} for ${name} (shown once):\n  ${token}`);
        break;
      }
      default:
        throw new UsageError(`unknown user command "${action ?? ''}"`);
    }
  } finally {
    deps.kickstarts.close();
    await store.close();
    await lock.release();
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USER_USAGE}`);
    this.name = 'UsageError';
  }
}
