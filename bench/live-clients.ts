/**
 * The browsers of `bench/live.ts`, as their own process: opens one `GET /live` stream per cookie
 * it is given (plain `node:http`, as light as a client gets), reports how many opened, and the
 * moment each `signed-out` event arrived (wall-clock ms, comparable with the server processes').
 */
import http from 'node:http';

interface OpenJob {
  type: 'open';
  url: string;
  cookies: string[];
  /** Streams opened at once; the rest wait their turn. */
  concurrency: number;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const requests: http.ClientRequest[] = [];

function openOne(url: URL, cookie: string, index: number): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { cookie, 'sec-fetch-site': 'same-origin', accept: 'text/event-stream' } }, (response) => {
      resolve(response.statusCode ?? 0);
      if (response.statusCode !== 200) {
        response.resume();
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes('event: signed-out')) process.send!({ type: 'signed-out', index, at: performance.timeOrigin + performance.now() });
        }
      });
      response.on('error', () => {});
    });
    request.on('error', () => resolve(0));
    requests.push(request);
  });
}

process.on('message', async (message: OpenJob | { type: 'close' }) => {
  if (message.type === 'close') {
    for (const request of requests) request.destroy();
    process.exit(0);
  }
  const url = new URL('/live', message.url);
  const statuses: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < message.cookies.length) {
      const index = next++;
      const status = await openOne(url, message.cookies[index]!, index);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: message.concurrency }, worker));
  process.send!({ type: 'opened', statuses });
});
process.send!({ type: 'ready' });
