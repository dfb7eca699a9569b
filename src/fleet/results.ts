// Writing a job's result exactly once, then acknowledging it, in one Lua script (atomic on the
// server): the guard key {NAME}:done:<id> is SET NX; only if it was not there is the result added
// to the results stream (and the counts raised, and a dead job copied to the dead-letter stream).
// The job is acknowledged and deleted from the jobs stream either way, so a job delivered twice
// (its first worker died after the script ran, or the same id was added twice) gives one result.
import { createHash } from 'node:crypto';
import type { ResultRecord } from './job.js';
import { command, type QueueRef, type Redis } from './queue.js';

const SCRIPT = `
local written = 0
if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'EX', ARGV[6]) then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[7], 'result', ARGV[3])
  redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
  redis.call('HINCRBY', KEYS[4], ARGV[4] .. ':' .. ARGV[5], 1)
  if ARGV[8] ~= '' then redis.call('XADD', KEYS[5], '*', 'id', ARGV[7], 'job', ARGV[8]) end
  written = 1
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return written
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** Write `r` once per job id and ack its entry; true when this call wrote it. Throws on Redis errors. */
export async function writeResult(
  client: Redis,
  q: QueueRef,
  r: ResultRecord,
  ttlS: number,
  deadJob: string | undefined,
): Promise<boolean> {
  const keys = [q.jobs, q.results, q.guard(r.id), q.stats, q.dead];
  const args = [q.group, r.entry, JSON.stringify(r), r.outcome, r.worker, String(ttlS), r.id, deadJob ?? ''];
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return (await command(client, ['EVALSHA', SHA, ...tail])) === 1;
  } catch (e) {
    // A restarted server has an empty script cache.
    if (!String((e as Error).message).includes('NOSCRIPT')) throw e;
    return (await command(client, ['EVAL', SCRIPT, ...tail])) === 1;
  }
}
