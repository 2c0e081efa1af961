// A label whose values someone else chooses (a template name is an author's file name) must not grow
// the series without bound: every distinct value is a series Prometheus keeps for weeks. The first
// `max` values seen keep their own; anything later is counted under "other".
export const OTHER = 'other';

export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** `value`, or "other" once `max` distinct values have been given out. */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}
