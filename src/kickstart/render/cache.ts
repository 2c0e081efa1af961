// Rendered kickstarts, kept for the polls that repeat them: a provisioning host's %pre may fetch its
// answer more than once, and a rack of hosts assigned at once all poll within seconds. A render is
// reused only while nothing it depends on changed: the host record (assignment, params, hostname,
// state, facts — every change bumps updated_at), the templates (their generation) and the base URL.
// Bounded: the oldest entries go first.
//
// A render that failed is kept the same way (issue 17): a waiting machine polls every few seconds,
// and rendering, logging and recording the same failure at each poll said it twenty times. The
// failure is said once per version of what it depends on; a fix (a template save, a params change)
// changes the key and the next poll renders again.
/** What a render depends on: the host record's version (every change bumps updated_at), the
 *  templates' generation and the base URL. Compared part by part: joined into one string, the key
 *  cost a new string per poll. */
export interface AnswerKey {
  version: string;
  generation: number;
  url: string;
}

interface Entry extends AnswerKey {
  body?: Buffer;
  failed?: string;
}

export class RenderCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max = 2000) {}

  get(id: string, key: AnswerKey): Buffer | undefined {
    const hit = this.entries.get(id);
    return hit && same(hit, key) ? hit.body : undefined;
  }

  set(id: string, key: AnswerKey, body: Buffer): void {
    this.put(id, { ...key, body });
  }

  /** Why the render under `key` failed, if it did. */
  failure(id: string, key: AnswerKey): string | undefined {
    const hit = this.entries.get(id);
    return hit && same(hit, key) ? hit.failed : undefined;
  }

  setFailure(id: string, key: AnswerKey, failed: string): void {
    this.put(id, { ...key, failed });
  }

  private put(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

function same(a: AnswerKey, b: AnswerKey): boolean {
  return a.version === b.version && a.generation === b.generation && a.url === b.url;
}
