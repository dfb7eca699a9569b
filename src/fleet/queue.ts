// A fleet queue: `redis://[user:pass@]HOST:PORT/NAME` names a Redis server and a queue NAME. All
// of a queue's keys share the hash tag {NAME}, so they live in one slot (a cluster keeps them
// together and the result script may touch them all):
//   {NAME}:jobs       stream of jobs (field `job`: JSON), consumer group `workers`
//   {NAME}:results    stream of results (fields `id`, `result`: JSON), one per job id
//   {NAME}:dead       dead-letter stream: jobs delivered too often without a result
//   {NAME}:done:<id>  the exactly-once guard of a job id (SET NX, with a TTL)
//   {NAME}:stats      counts: done, failed, dead, and per worker done:<worker> ...
import { createClient } from 'redis';

export interface QueueRef {
  /** The server, without the queue name. */
  redisUrl: string;
  name: string;
  jobs: string;
  results: string;
  dead: string;
  stats: string;
  group: string;
  guard(id: string): string;
}

export function parseQueue(text: string): QueueRef {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`queue '${text}' is not a URL (redis://HOST:PORT/NAME)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`queue '${text}' is not a redis:// URL`);
  }
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (name === '' || name.includes('/'))
    throw new Error(`queue '${text}' has no NAME (redis://HOST:PORT/NAME)`);
  const server = new URL(u.href);
  server.pathname = '';
  const tag = `{${name}}`;
  return {
    redisUrl: server.href.replace(/\/$/, ''),
    name,
    jobs: `${tag}:jobs`,
    results: `${tag}:results`,
    dead: `${tag}:dead`,
    stats: `${tag}:stats`,
    group: 'workers',
    guard: (id) => `${tag}:done:${id}`,
  };
}

/** A client that reconnects for ever (a restarted Redis is waited for), errors reported once per outage. */
export function redisClient(q: QueueRef, log: (s: string) => void) {
  const client = createClient({
    url: q.redisUrl,
    // RESP2: stream replies as plain arrays, the same through every command below.
    RESP: 2,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 1000) },
  });
  let down = false;
  client.on('error', (e: Error) => {
    if (!down) log(`redis: ${e.message} (reconnecting)`);
    down = true;
  });
  client.on('ready', () => {
    if (down) log('redis: connected again');
    down = false;
  });
  return client;
}

export type Redis = ReturnType<typeof redisClient>;

/** Send a command; the reply as node-redis gives it for RESP2 (strings, arrays, numbers, null). */
export function command(client: Redis, args: Array<string | number>): Promise<unknown> {
  return client.sendCommand(args.map(String));
}

/** Create the consumer group (and the stream) if missing. */
export async function ensureGroup(client: Redis, q: QueueRef): Promise<void> {
  try {
    await command(client, ['XGROUP', 'CREATE', q.jobs, q.group, '0', 'MKSTREAM']);
  } catch (e) {
    if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
