// The expected hosts page through the web: every role reads the list (never a secret param), operators
// and admins upload a file (Dry run saves nothing, Import saves, the plan or every problem by line and
// column shown after the 303) and delete records; viewers and authors get neither; every POST needs the
// session's CSRF token; hostile cells and file names are shown escaped, never as markup.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
type Login = Awaited<ReturnType<typeof webLogin>>;
const logins: Record<string, Login> = {};
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const records = async () =>
  (await request(srv.url).get('/api/v1/expected-hosts').set(admin())).body.expected_hosts as { id: string; hostname?: string }[];
const SECRET = 'web-s3cret-axolotl';
const LIST = `serial,hostname,profile,tags,param.api_token\nSN-W1,web-w1,web,rack9,${SECRET}\nSN-W2,web-w2,web,rack9,\n`;

const upload = (role: string, text: string, action: string, filename = 'list.csv', csrf = logins[role]!.csrf) =>
  logins[role]!.agent.post('/expected-hosts/import')
    .field('_csrf', csrf)
    .field('action', action)
    .attach('file', Buffer.from(text), filename);

beforeAll(async () => {
  srv = await startTestServer();
  for (const role of ['admin', 'operator', 'author', 'viewer']) {
    await createUser(srv, `web-${role}`, role, `${role}-password-123`);
    logins[role] = await webLogin(srv, `web-${role}`, `${role}-password-123`);
  }
  await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'web', action: 'reboot' }).expect(201);
});
afterAll(async () => srv?.stop());

describe('expected hosts page', () => {
  it('When an operator dry-runs then imports a file, then the 303 lands on the plan, the dry run saved nothing and the import both rows', async () => {
    const dry = await upload('operator', LIST, 'dry-run').expect(303);
    expect(dry.headers.location).toMatch(/^\/expected-hosts\?done=/);
    const shown = await logins.operator!.agent.get(dry.headers.location!).expect(200);
    expect(shown.text).toContain('list.csv: dry run, nothing saved — would create 2, update 0, unchanged 0.');
    expect(shown.text).toContain('+ line 2: would create');
    expect(await records()).toEqual([]);

    const done = await upload('operator', LIST, 'import').expect(303);
    const page = await logins.operator!.agent.get(done.headers.location!).expect(200);
    expect(page.text).toContain('list.csv: created 2, updated 0, unchanged 0.');
    expect((await records()).map((r) => r.hostname).sort()).toEqual(['web-w1', 'web-w2']);
    expect(page.text).not.toContain(SECRET);
  });

  it('When a file has bad rows, then each problem is listed by line and column, hostile cells and names escaped, and nothing is imported', async () => {
    const before = await records();
    const bad = 'serial,hostname,tags\nSN-H1,<script>alert(1)</script>,ok\n<img src=x onerror=alert(2)>,h-2,"<b>t</b>"\n';
    const res = await upload('admin', bad, 'import', '<svg onload=alert(3)>.csv').expect(303);
    const page = (await logins.admin!.agent.get(res.headers.location!).expect(200)).text;
    expect(page).toContain('line 2, column 2 (hostname): must be a valid hostname');
    expect(page).toContain('line 3, column 1 (serial): must start with a letter or digit');
    expect(page).toContain('line 3, column 3 (tags): &quot;&lt;b&gt;t&lt;/b&gt;&quot; is not a tag');
    expect(page).toContain('&lt;svg onload=alert(3)&gt;.csv: nothing was imported');
    expect(page).not.toMatch(/<script>alert|<img src=x|<svg onload|<b>t<\/b>/);
    expect(await records()).toEqual(before);
  });

  it('When a POST lacks the session CSRF token, then 403 (no session: the login form) and nothing changes', async () => {
    const before = await records();
    await upload('admin', 'serial\nSN-CSRF\n', 'import', 'list.csv', 'not-the-token').expect(403);
    await logins.admin!.agent.post('/expected-hosts/import').attach('file', Buffer.from('serial\nSN-CSRF\n'), 'list.csv').expect(403);
    await logins.admin!.agent.post(`/expected-hosts/${before[0]!.id}/delete`).type('form').send({}).expect(403);
    const anonymous = await request(srv.url)
      .post('/expected-hosts/import')
      .attach('file', Buffer.from('serial\nSN-ANON\n'), 'list.csv')
      .expect(303);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
    expect(await records()).toEqual(before);
  });

  it('When a viewer or an author opens the page, then they see the list without forms, and their uploads, deletes and exports are refused', async () => {
    const before = await records();
    for (const role of ['viewer', 'author']) {
      const page = (await logins[role]!.agent.get('/expected-hosts').expect(200)).text;
      expect(page).toContain('web-w1');
      expect(page).not.toContain('id="import-form"');
      expect(page).not.toContain('/delete');
      await upload(role, 'serial\nSN-V\n', 'import').expect(403);
      await logins[role]!.agent.post(`/expected-hosts/${before[0]!.id}/delete`)
        .type('form')
        .send({ _csrf: logins[role]!.csrf })
        .expect(403);
      await logins[role]!.agent.get('/expected-hosts/export').expect(403);
    }
    expect(await records()).toEqual(before);
  });

  it('When an operator exports from the page and deletes a record, then the export has no secret and the record is gone', async () => {
    const csv = await logins.operator!.agent.get('/expected-hosts/export?format=csv').expect(200);
    expect(csv.text).toMatch(/^boot_mac,mac,serial/);
    expect(csv.text).not.toContain(SECRET);
    const [first] = await records();
    await logins
      .operator!.agent.post(`/expected-hosts/${first!.id}/delete`)
      .type('form')
      .send({ _csrf: logins.operator!.csrf })
      .expect(303);
    expect((await records()).map((r) => r.id)).not.toContain(first!.id);
  });

  it('When a big list is uploaded, then the page shows the counts and the first 100 entries of each list, and says how many more', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `SN-BIG-${i}`);
    const dry = await upload('operator', `serial\n${rows.join('\n')}\n`, 'dry-run').expect(303);
    const page = (await logins.operator!.agent.get(dry.headers.location!).expect(200)).text;
    expect(page).toContain('would create 150, update 0, unchanged 0.');
    expect(page.match(/\+ line \d+: would create/g)).toHaveLength(100);
    expect(page).toContain('… and 50 more to create');

    const bad = await upload('operator', `mac\n${rows.join('\n')}\n`, 'dry-run').expect(303);
    const refused = (await logins.operator!.agent.get(bad.headers.location!).expect(200)).text;
    expect(refused.match(/line \d+, column 1 \(mac\)/g)).toHaveLength(100);
    expect(refused).toContain('… and 50 more');
  });

  it('When an upload comes with a session cookie that is no session, or from a viewer, then its body is not read (no 413 for a body over the cap)', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024 + 1024, 'a');
    const forged = await request(srv.url)
      .post('/expected-hosts/import')
      .set('Cookie', 'ks_session=not-a-session')
      .attach('file', huge, 'list.csv')
      .expect(303);
    expect(forged.headers.location).toMatch(/^\/login\?next=/);
    await logins
      .viewer!.agent.post('/expected-hosts/import')
      .field('_csrf', logins.viewer!.csrf)
      .attach('file', huge, 'list.csv')
      .expect(403);
  });
});
