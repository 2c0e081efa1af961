// Browser sessions for the web forms: a random id in an HttpOnly, SameSite=Lax cookie (Secure over
// TLS), the user and a CSRF token on the server, in a SessionRepository (store.ts): this process's
// memory with the file store, the database with PostgreSQL — a session started through one instance
// is then good through every instance behind the load balancer, and a logout through any of them ends
// it on all.
// A session is only as good as its user: every request checks the stored user (current()) — gone,
// recreated under the same name, password reset or role changed (its `sessions_epoch` moved on) ends
// the session there and then, whatever made the change (API, CLI through the API, a store another
// instance shares), and the role is the stored one.
import { randomBytes } from 'node:crypto';
import { SESSION_TTL_MS, type Session } from '../auth/session.js';
import type { User } from '../auth/user.js';
import type { SessionRepository } from '../store/store.js';

// The pages know a session by the module that makes and checks it.
export type { Session };

export const SESSION_COOKIE = 'ks_session';

export class Sessions {
  constructor(private readonly store: SessionRepository) {}

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
