// Browser sessions for the web forms: a random id in an HttpOnly, SameSite=Lax cookie (Secure over
// TLS), the user and a CSRF token on the server. In memory on purpose: a restart logs people out,
// which costs a login, while a session file would be one more secret at rest.
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
const TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 10_000;

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(user: User, now = Date.now()): Session {
    if (this.byId.size >= MAX_SESSIONS) this.sweep(now);
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      user: user.name,
      role: user.role,
      userCreatedAt: user.created_at,
      epoch: sessionsEpoch(user),
      csrf: randomBytes(24).toString('base64url'),
      expires: now + TTL_MS,
    };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expires < now) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  /** The session, checked against its user as stored now (`stored`: undefined when deleted). A session
   *  whose user is gone, recreated, or changed password or role is destroyed. */
  current(id: string | undefined, stored: (name: string) => Promise<User | undefined>, now = Date.now()): Promise<Session | undefined> {
    const session = this.get(id, now);
    if (!session) return Promise.resolve(undefined);
    return stored(session.user).then((user) => {
      if (!user || user.created_at !== session.userCreatedAt || sessionsEpoch(user) !== session.epoch) {
        this.destroy(session.id);
        return undefined;
      }
      session.role = user.role;
      return session;
    });
  }

  destroy(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.byId) if (s.expires < now) this.byId.delete(id);
    // Still full: the oldest sessions go (Map keeps insertion order).
    for (const id of this.byId.keys()) {
      if (this.byId.size < MAX_SESSIONS) break;
      this.byId.delete(id);
    }
  }
}

/** Users stored before sessions_epoch existed count as epoch 0. */
function sessionsEpoch(user: User): number {
  return user.sessions_epoch ?? 0;
}
