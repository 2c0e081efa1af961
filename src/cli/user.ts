// `kickstand user list|add|reset|role|delete|token`: manage users from a shell on the Kickstand machine,
// e.g. to get back in after losing the admin password. With the service stopped it works on the data
// dir directly (holding its lock, see store/file/data-lock.ts); while the service runs it goes through the
// service's admin API (user-api.ts), so the service itself ends the sessions a change must end.
import { parseArgs } from 'node:util';
import { loadConfig, takeSecret, type Config } from '../config.js';
import { createDeps } from '../composition.js';
import { createLogger } from '../log.js';
import { DataDirBusy } from '../store/file/data-lock.js';
import { changeRole, createApiToken, createUser, deleteUser, resetPassword } from '../auth/users.js';
import { serviceApi } from './user-api.js';
import { UsageError } from '../errors.js';

export const USER_USAGE = `usage:
  kickstand user list
  kickstand user add NAME --role admin|operator|author|viewer   (password: $KICKSTAND_USER_PASSWORD or generated)
  kickstand user reset NAME                                     (password: $KICKSTAND_USER_PASSWORD or generated)
  kickstand user role NAME --role admin|operator|author|viewer  (ends NAME's web sessions)
  kickstand user delete NAME                                    (ends NAME's sessions and tokens)
  kickstand user token NAME [--name LABEL]                      (a personal API token, shown once)
While the service runs, these go through its API (KICKSTAND_ADMIN_TOKEN or the data dir's admin-token).`;

/** What the commands do, on the data dir or through the running service. */
interface UserOps {
  list(): Promise<string[]>;
  add(name: string, role: string, password: string | undefined): Promise<{ role: string; password: string | undefined }>;
  reset(name: string, password: string | undefined): Promise<string | undefined>;
  role(name: string, role: string): Promise<void>;
  remove(name: string): Promise<void>;
  token(name: string, label: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function userCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' } },
  });
  const [action, name] = positionals;
  const config = loadConfig();
  const ops = await openOps(config);
  const password = takeSecret(process.env, 'KICKSTAND_USER_PASSWORD');
  try {
    switch (action) {
      case 'list':
        for (const line of await ops.list()) out(line);
        break;
      case 'add': {
        if (!name || !values.role) throw new UsageError('user add needs NAME and --role', USER_USAGE);
        const made = await ops.add(name, values.role, password);
        out(password ? `created ${name} (${made.role})` : `created ${name} (${made.role}) with the password:\n  ${made.password}`);
        break;
      }
      case 'reset': {
        if (!name) throw new UsageError('user reset needs NAME', USER_USAGE);
        const secret = await ops.reset(name, password);
        out(password ? `password of ${name} changed` : `new password of ${name}:\n  ${secret}`);
        break;
      }
      case 'role': {
        if (!name || !values.role) throw new UsageError('user role needs NAME and --role', USER_USAGE);
        await ops.role(name, values.role);
        out(`${name} is now ${values.role}`);
        break;
      }
      case 'delete': {
        if (!name) throw new UsageError('user delete needs NAME', USER_USAGE);
        await ops.remove(name);
        out(`deleted ${name}`);
        break;
      }
      case 'token': {
        if (!name) throw new UsageError('user token needs NAME', USER_USAGE);
        const { id, token } = await ops.token(name, values.name ?? 'cli');
        out(`token ${id} for ${name} (shown once):\n  ${token}`);
        break;
      }
      default:
        throw new UsageError(`unknown user command "${action ?? ''}"`, USER_USAGE);
    }
  } finally {
    await ops.close();
  }
}

async function openOps(config: Config): Promise<UserOps> {
  try {
    return await localOps(config);
  } catch (err) {
    if (err instanceof DataDirBusy) return apiOps(config, err);
    throw err;
  }
}

async function localOps(config: Config): Promise<UserOps> {
  // Start-up notes (modes tightened, plaintext secrets protected) go to stderr: stdout is for what the
  // command exists to print. No installers, kickstart environment or templates mirror: users need none.
  const deps = await createDeps(config, createLogger('warn', process.stderr), { lock: true, configInstallers: [], watchTemplates: false });
  const { store } = deps;
  return {
    list: async () => (await store.users.list()).map((u) => `${u.name}\t${u.role}\t${u.tokens.length} token(s)\tsince ${u.created_at}`),
    add: async (name, role, password) => {
      const made = await createUser(deps, name, role, password, 'cli');
      return { role: made.user.role, password: made.password };
    },
    reset: (name, password) => resetPassword(deps, name, password, 'cli'),
    role: async (name, role) => {
      await changeRole(deps, name, role, 'cli');
    },
    remove: (name) => deleteUser(deps, name, 'cli'),
    token: (name, label) => createApiToken(deps, name, label, 'cli'),
    close: () => deps.close(),
  };
}

async function apiOps(config: Config, busy: DataDirBusy): Promise<UserOps> {
  const api = await serviceApi(config, busy);
  const user = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;
  return {
    list: async () =>
      ((await api.call('GET', '/api/v1/users')).users as { name: string; role: string; tokens: unknown[]; created_at: string }[]).map(
        (u) => `${u.name}\t${u.role}\t${u.tokens.length} token(s)\tsince ${u.created_at}`,
      ),
    add: async (name, role, password) => {
      const made = await api.call('POST', '/api/v1/users', { name, role, ...(password ? { password } : {}) });
      return { role: String(made.role), password: typeof made.password === 'string' ? made.password : undefined };
    },
    reset: async (name, password) => {
      const done = await api.call('POST', `${user(name)}/password`, password ? { password } : {});
      return typeof done.password === 'string' ? done.password : undefined;
    },
    role: async (name, role) => {
      await api.call('PATCH', user(name), { role });
    },
    remove: async (name) => {
      await api.call('DELETE', user(name));
    },
    token: async (name, label) => {
      const made = await api.call('POST', `${user(name)}/tokens`, { name: label });
      return { id: String(made.id), token: String(made.token) };
    },
    close: async () => undefined,
  };
}
