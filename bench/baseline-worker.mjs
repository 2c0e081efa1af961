// The baseline: the bare answer (bare-server.mjs) in a process of its own, told over IPC what to answer
// and which way to write it.
import { bareServer, VARIANTS } from './bare-server.mjs';

const bare = bareServer((url) => process.send({ type: 'ready', url, variants: VARIANTS }));
process.on('message', (m) => {
  if (m.type === 'answer') {
    bare.answer(m.status, m.headers, Buffer.from(m.body, 'base64'));
    process.send({ type: 'ok' });
  } else if (m.type === 'variant') {
    bare.variant(m.name);
    process.send({ type: 'ok' });
  } else if (m.type === 'stop') bare.server.close(() => process.exit(0));
});
