// Browser sessions for the web forms: a random id in an HttpOnly, SameSite=Lax cookie (Secure over
// TLS), the user and a CSRF token on the server, in a SessionStore: this process's memory with the file
// store (memory-sessions.ts: a restart logs people out, which costs a login, while a session file
// would be one more secret at rest), the database with PostgreSQL (store/postgres/pg-sessions.ts: a
// session started through one instance is good through every instance behind the load balancer, and a
// logout through any of them ends it on all).
// A session is only as good as its user: every request checks the stored user (current()) — gone,
// recreated under the same name, password reset or role changed (its `sessions_epoch` moved on) ends
// the session there and then, whatever made the change (API, CLI through the API, a store another
// instance shares), and the role is the stored one.
import { randomBytes } from 'node:crypto';
import type { Role } from '../auth/roles.js';
import type { User } from '../auth/user.js';

export interface Session {
  id: string;
  user: string;
  /** Read from the stored user on every request (current()), never trusted from login time. */
  role: Role;
  /** The user's created_at and sessions_epoch at login: a session outlives neither. */
  userCreatedAt: string;
  epoch: number;
  /** Every form posts it back; a request from another site cannot know it. */
  csrf: string;
  expires: number;
}

export const SESSION_COOKIE = 'ks_session';
export const SESSION_TTL_MS = 12 * 3600_000;
/** The most sessions kept; past it the oldest go. */
export const MAX_SESSIONS = 10_000;

/** Where sessions are kept. The id is the cookie's value: whoever has it is logged in. */
export interface SessionStore {
  /** Keeps a new session until it expires or is deleted, dropping the oldest beyond MAX_SESSIONS. */
  add(session: Session, now: number): Promise<void>;
  /** The session with this id, unless there is none or it expired by `now` (then it is deleted). */
  get(id: string, now: number): Promise<Session | undefined>;
  /** Ends the session, for every instance sharing the store; nothing if there is none. */
  delete(id: string): Promise<void>;
  /** Stops any timer the store runs. */
  close(): void;
}

export class Sessions {
  constructor(private readonly store: SessionStore) {}

  async create(user: User, now = Date.now()): Promise<Session> {
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      user: user.name,
      role: user.role,
      userCreatedAt: user.created_at,
      epoch: sessionsEpoch(user),
      csrf: randomBytes(24).toString('base64url'),
      expires: now + SESSION_TTL_MS,
    };
    await this.store.add(session, now);
    return session;
  }

  /** The session, checked against its user as stored now (`stored`: undefined when deleted). A session
   *  whose user is gone, recreated, or changed password or role is destroyed. */
  async current(
    id: string | undefined,
    stored: (name: string) => Promise<User | undefined>,
    now = Date.now(),
  ): Promise<Session | undefined> {
    if (!id) return undefined;
    const session = await this.store.get(id, now);
    if (!session) return undefined;
    const user = await stored(session.user);
    if (!user || user.created_at !== session.userCreatedAt || sessionsEpoch(user) !== session.epoch) {
      await this.store.delete(session.id);
      return undefined;
    }
    session.role = user.role;
    return session;
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id) await this.store.delete(id);
  }

  close(): void {
    this.store.close();
  }
}

/** Users stored before sessions_epoch existed count as epoch 0. */
function sessionsEpoch(user: User): number {
  return user.sessions_epoch ?? 0;
}
