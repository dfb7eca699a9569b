// The fleet rides out a Redis crash: redis-server (AOF, appendfsync always) is SIGKILLed and
// started again mid-run; the workers reconnect, every job still gets exactly one result.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseQueue, type Redis, redisClient } from '../../src/fleet/queue.js';
import { queueStatus } from '../../src/fleet/status.js';
import { addJobs, assertOnceEach, results, startWorker, until } from '../helpers/fleet.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';

let http: TestServer;
let redis: RedisServer;
let client: Redis;
before(async () => {
  http = await startHttpServer((req, res) => {
    res.end(`ok ${req.url}`);
  });
  redis = await startRedis({ aof: true });
  client = redisClient(parseQueue(`${redis.url}/x`), () => {});
  await client.connect();
});
after(async () => {
  await client.quit().catch(() => {});
  await redis.stop();
  await http.close();
});

test('Redis crashes and restarts mid-run (AOF): the workers reconnect and finish', async () => {
  const queue = `${redis.url}/restart`;
  const q = parseQueue(queue);
  const add = await addJobs(queue, ['--id-prefix', 'r', '--body', 'discard', `${http.url}/[1-2000]`]);
  assert.equal(add.code, 0, add.stderr);
  const opts = ['--queue-parallel', '20', '--queue-claim-idle', '2000', '--queue-idle-exit', '4000'];
  const workers = [0, 1].map((i) => startWorker(queue, [...opts, '--queue-consumer', `r${i}`]));
  try {
    await until('500 results', 60_000, async () => (await queueStatus(client, q)).done >= 500);
    await redis.restart(800);
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], workers[0]!.stderr + workers[1]!.stderr);
    assert.match(workers[0]!.stderr, /reconnecting/);
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
  }
  await until('the test client back', 10_000, async () => client.isReady);
  const rs = await results(client, q);
  assertOnceEach(
    rs,
    Array.from({ length: 2000 }, (_, i) => `r${i + 1}`),
  );
});
