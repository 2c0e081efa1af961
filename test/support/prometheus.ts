// GET /metrics read the way Prometheus reads it: through a text-format parser, never a regex, so a
// malformed exposition fails the test.
import parsePrometheusTextFormat, { type ParsedFamily, type ParsedSample } from 'parse-prometheus-text-format';
import request from 'supertest';
import { expect } from 'vitest';

export interface Scrape {
  families: Map<string, ParsedFamily>;
  /** The value of the one sample of `name` whose labels include `labels` (0 when there is none). */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample of every family, with the family's name. */
  samples(): (ParsedSample & { name: string })[];
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const req = request(url).get('/metrics');
  const res = await (token ? req.set('Authorization', `Bearer ${token}`) : req).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(res.text);
}

/** The parser folds every series of a histogram into one, dropping their labels (it was written for
 *  unlabelled ones): histograms are read a second time as untyped, where `<name>_count{…}` is a family
 *  of its own with its labels intact. */
export function parse(text: string): Scrape {
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  // Each series comes back as a family of its own there: gathered by name.
  const series = new Map<string, ParsedFamily>();
  for (const f of parsePrometheusTextFormat(untyped)) {
    if (!/_(count|sum)$/.test(f.name) || families.has(f.name)) continue;
    const seen = series.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else series.set(f.name, f);
  }
  for (const [name, f] of series) families.set(name, f);
  const matching = (name: string, labels: Record<string, string>) =>
    (families.get(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return {
    families,
    value(name, labels = {}) {
      const found = matching(name, labels);
      expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
      return found[0] ? Number(found[0].value) : 0;
    },
    samples: () => [...families.values()].flatMap((f) => f.metrics.map((m) => ({ ...m, name: f.name }))),
  };
}
