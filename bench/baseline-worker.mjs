// The baseline: a bare node:http server answering the same status, headers and bytes Kickstand would,
// with no routing, no auth, no store. The benchmark's speed figures are ratios against it.
import { createServer } from 'node:http';

let answer = { status: 202, headers: {}, body: Buffer.alloc(0) };
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(answer.status, { ...answer.headers, 'Content-Length': answer.body.length });
  res.end(answer.body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (m) => {
  if (m.type === 'answer') {
    answer = { status: m.status, headers: m.headers, body: Buffer.from(m.body, 'base64') };
    process.send({ type: 'ok' });
  } else if (m.type === 'stop') server.close(() => process.exit(0));
});
