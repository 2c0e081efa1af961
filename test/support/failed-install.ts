// A machine's whole failed life through the real routes: it registers, an admin assigns it a kickstart,
// it fetches the answer, and its installer reports `failed` — as the shipped templates' %onerror does
// (POST /api/v1/discovery/{id}/events). For tests of what a failure shows (banner, badge, webhooks).
import request from 'supertest';
import { sampleFacts } from './facts.js';

export async function failInstall(
  url: string,
  adminToken: string,
  mac: string,
  { hostname, message = 'no disk matched ignoredisk' }: { hostname?: (id: string) => string; message?: string } = {},
): Promise<string> {
  const reg = (
    await request(url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect(201)
  ).body as { id: string; token: string };
  await request(url)
    .post(`/api/v1/hosts/${reg.id}/assignment`)
    .set('Authorization', `Bearer ${adminToken}`)
    .send({ hostname: hostname ? hostname(reg.id) : `f-${reg.id}.example.com`, action: 'kickstart', template: 'plain.ks.njk' })
    .expect(200);
  await request(url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`).expect(200);
  await request(url)
    .post(`/api/v1/discovery/${reg.id}/events`)
    .set('Authorization', `Bearer ${reg.token}`)
    .send({ stage: 'failed', message })
    .expect(200);
  return reg.id;
}
