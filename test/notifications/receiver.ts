// A webhook receiver on 127.0.0.1 for tests: records every request (headers and body) and answers as
// the test says — a status, or holding the request until the test lets it go.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** How the next requests are answered: a status, or 'hold' (kept open until release()). */
  answer: (n: number) => number | 'hold';
  /** Answer every held request 200. */
  release(): void;
  held(): number;
  close(): Promise<void>;
}

export async function startReceiver(answer: Receiver['answer'] = () => 200): Promise<Receiver> {
  const held: ServerResponse[] = [];
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    answer,
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end('ok');
    },
    held: () => held.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf-8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> });
      const how = receiver.answer(received.length);
      if (how === 'hold') held.push(res);
      else res.writeHead(how).end('answer');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
