// The web forms' sessions beside the file store, where one process serves everything: in its memory
// on purpose. A restart logs people out, which costs a login, while a session file would be one more
// secret at rest.
import { MAX_SESSIONS, type Session } from '../../auth/session.js';
import type { SessionRepository } from '../store.js';

export class MemorySessions implements SessionRepository {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly max = MAX_SESSIONS) {}

  async add(session: Session, now: number): Promise<void> {
    if (this.byId.size >= this.max) this.sweep(now);
    this.byId.set(session.id, session);
  }

  async get(id: string, now: number): Promise<Session | undefined> {
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expires < now) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  async delete(id: string): Promise<void> {
    this.byId.delete(id);
  }

  close(): void {
    // No timer: expired sessions go when read, or when the map is full.
  }

  private sweep(now: number): void {
    for (const [id, s] of this.byId) if (s.expires < now) this.byId.delete(id);
    // Still full: the oldest sessions go (Map keeps insertion order).
    for (const id of this.byId.keys()) {
      if (this.byId.size < this.max) break;
      this.byId.delete(id);
    }
  }
}
