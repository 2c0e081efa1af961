// What this instance tried to deliver, for the webhooks page and GET /api/v1/webhooks/{name}/deliveries:
// the last attempts of each webhook, in memory (a restart forgets them; every instance keeps its own,
// since each sends the events of the changes it made — docs/notifications.md#several-instances).

export interface DeliveryAttempt {
  /** The delivery's id (X-Kickstand-Delivery): the same for every attempt of one delivery. */
  delivery: string;
  webhook: string;
  event: string;
  host?: string;
  hostname?: string;
  /** 1 for the first try; 0 for a delivery dropped from a full queue before any try. */
  attempt: number;
  at: string;
  duration_ms: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why there was no answer (refused, timed out…), or why it was dropped. */
  error?: string;
  /** delivered: a 2xx; retrying: another attempt follows; failed: no more attempts; dropped: never sent. */
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
}

export class DeliveryLog {
  private readonly attempts = new Map<string, DeliveryAttempt[]>();

  constructor(private readonly cap: number) {}

  add(attempt: DeliveryAttempt): void {
    const list = this.attempts.get(attempt.webhook) ?? [];
    list.push(attempt);
    if (list.length > this.cap) list.splice(0, list.length - this.cap);
    this.attempts.set(attempt.webhook, list);
  }

  /** The webhook's attempts, newest first. */
  of(webhook: string): DeliveryAttempt[] {
    return [...(this.attempts.get(webhook) ?? [])].reverse();
  }

  forget(webhook: string): void {
    this.attempts.delete(webhook);
  }
}
