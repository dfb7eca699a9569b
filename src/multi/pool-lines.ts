// curl 8's verbose lines for idle connections a pool closes on its own, said to the transfer that
// caused it (its debugFunction), as libcurl says them to the transfer in hand: one found unusable
// when the transfer looks for a connection to reuse (Curl_conn_seems_dead, conn_maxage), and the
// oldest closed when the transfer gives its connection back to a full pool (cpool_conn_now_idle).
import type { PoolTell } from '../conn/pool.js';
import type { Multi } from './multi.js';
import type { Transfer } from './transfer.js';

/** The lines' teller for `t`; undefined (nothing made) without a debugFunction. */
export function poolTellFor(m: Multi, t: Transfer | undefined): PoolTell | undefined {
  if (t === undefined || t.o.debugFunction === undefined) return undefined;
  const say = (line: string) => m.callDebug(t, 'text', `${line}\n`);
  return {
    discarded(conn, idleMs, maxIdleMs) {
      if (maxIdleMs !== undefined)
        say(`Too old connection (${Math.round(idleMs)} ms idle, max idle is ${maxIdleMs} ms), disconnect it`);
      say(`Connection ${conn.id} seems to be dead`);
      say(`shutting down connection #${conn.id}`);
    },
    full: (count, max) => say(`Connection pool is full, closing the oldest of ${count}/${max}`),
    evicted: (conn) => say(`shutting down connection #${conn.id}`),
  };
}
