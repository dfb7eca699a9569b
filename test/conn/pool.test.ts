// The connection pool's bookkeeping: the newest idle connection of a reuse key is taken first,
// any idle connection can leave (close, eviction, detach) in O(1) without disturbing the others,
// and the containers go with the host's last connection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Connection } from '../../src/conn/connection.js';
import { ConnectionPool } from '../../src/conn/pool.js';
import type { Session } from '../../src/conn/types.js';
import type { Filter } from '../../src/filters/types.js';

/** A connected connection whose session says it is alive (or not). */
function conn(reuseKey = 'http://a:80', hostKey = 'a:80', alive = true): Connection {
  const top = { destroy() {} } as unknown as Filter;
  const c = new Connection(hostKey, reuseKey, 'a', 80, top, 0);
  c.state = 'connected';
  c.session = { isAlive: () => alive } as unknown as Session;
  return c;
}

function pool(): { pool: ConnectionPool; closed: Array<[Connection, string]> } {
  const closed: Array<[Connection, string]> = [];
  return { pool: new ConnectionPool((c, reason) => closed.push([c, reason])), closed };
}

describe('ConnectionPool', () => {
  test('the newest idle connection of a key is taken first', () => {
    const { pool: p } = pool();
    const [a, b, c] = [conn(), conn(), conn()];
    for (const x of [a, b, c]) p.add(x);
    p.release(a, 1);
    p.release(b, 2);
    p.release(c, 3);
    assert.equal(p.acquire('http://a:80', 4, 1000), c);
    assert.equal(p.acquire('http://a:80', 4, 1000), b);
    p.release(c, 5);
    assert.equal(p.acquire('http://a:80', 6, 1000), c);
    assert.equal(p.acquire('http://a:80', 6, 1000), a);
    assert.equal(p.acquire('http://a:80', 6, 1000), undefined);
    assert.equal(p.acquire('http://other:80', 6, 1000), undefined);
  });

  test('closing an idle connection in the middle keeps the others in order', () => {
    const { pool: p, closed } = pool();
    const cs = [conn(), conn(), conn(), conn()];
    for (const [i, x] of cs.entries()) {
      p.add(x);
      p.release(x, i);
    }
    p.close(cs[1]!, 'test');
    p.close(cs[3]!, 'test');
    assert.deepEqual(
      closed.map(([c]) => c),
      [cs[1], cs[3]],
    );
    assert.equal(p.idleCount, 2);
    assert.equal(p.acquire('http://a:80', 9, 1000), cs[2]);
    assert.equal(p.acquire('http://a:80', 9, 1000), cs[0]);
    assert.equal(p.acquire('http://a:80', 9, 1000), undefined);
  });

  test('eviction takes the oldest idle one; dead and too old ones are closed on the way', () => {
    const { pool: p, closed } = pool();
    const old = conn();
    const dead = conn('http://a:80', 'a:80', false);
    const fresh = conn();
    const young = conn();
    for (const x of [old, fresh, young, dead]) p.add(x);
    p.release(old, 0);
    p.release(fresh, 500);
    p.release(young, 900);
    p.release(dead, 1000);
    assert.equal(p.evictOldestIdle('a:80'), true);
    assert.deepEqual(closed.at(-1), [old, 'evicted']);
    assert.equal(p.acquire('http://a:80', 1001, 1000), young);
    assert.deepEqual(closed.at(-1), [dead, 'dead']);
    assert.equal(p.acquire('http://a:80', 1600, 1000), undefined);
    assert.deepEqual(closed.at(-1), [fresh, 'too old']);
    assert.equal(p.idleCount, 0);
  });

  test('10,000 idle connections of one key close in any order, each in constant time', () => {
    const { pool: p, closed } = pool();
    const cs = Array.from({ length: 10_000 }, () => conn());
    for (const [i, x] of cs.entries()) {
      p.add(x);
      p.release(x, i);
    }
    // Every other one, oldest first (evictions), then the rest newest first (closes).
    for (let i = 0; i < cs.length; i += 2) p.close(cs[i]!, 'a');
    assert.equal(p.idleCount, 5_000);
    assert.equal(p.acquire('http://a:80', 10_000, 1e9), cs[9_999]);
    for (let i = cs.length - 3; i > 0; i -= 2) p.close(cs[i]!, 'b');
    assert.equal(p.idleCount, 0);
    assert.equal(p.size, 1);
    p.close(cs[9_999]!, 'c');
    assert.equal(closed.length, 10_000);
    assert.equal(p.size, 0);
    assert.equal(p.hostCount('a:80'), 0);
  });

  test('eviction across keys and hosts: the oldest of all, or of the host; idle() in age order', () => {
    const { pool: p, closed } = pool();
    const a1 = conn('http://a:80', 'a:80');
    const b1 = conn('http://b:80', 'b:80');
    const a2 = conn('https://a:80', 'a:80');
    const b2 = conn('http://b:80', 'b:80');
    const a3 = conn('http://a:80', 'a:80');
    const order = [a1, b1, a2, b2, a3];
    for (const [i, x] of order.entries()) {
      p.add(x);
      p.release(x, i);
    }
    assert.deepEqual(p.idle(), order);
    // Taken for reuse: out of every list, the others keep their order.
    assert.equal(p.acquire('http://b:80', 9, 1000), b2);
    assert.deepEqual(p.idle(), [a1, b1, a2, a3]);
    assert.equal(p.evictOldestIdle('b:80'), true);
    assert.deepEqual(closed.at(-1), [b1, 'evicted']);
    assert.equal(p.evictOldestIdle('b:80'), false);
    assert.equal(p.evictOldestIdle(), true);
    assert.deepEqual(closed.at(-1), [a1, 'evicted']);
    assert.equal(p.evictOldestIdle('a:80'), true);
    assert.deepEqual(closed.at(-1), [a2, 'evicted']);
    // Released again: the newest of every list.
    p.release(b2, 10);
    assert.deepEqual(p.idle(), [a3, b2]);
    assert.equal(p.isIdle(b2), true);
    assert.equal(p.evictOldestIdle(), true);
    assert.deepEqual(closed.at(-1), [a3, 'evicted']);
    assert.equal(p.evictOldestIdle(), true);
    assert.deepEqual(closed.at(-1), [b2, 'evicted']);
    assert.equal(p.evictOldestIdle(), false);
    assert.equal(p.idleCount, 0);
    assert.equal(p.isIdle(b2), false);
    assert.equal(p.size, 0);
  });

  test('a detached idle connection leaves the pool open and is not handed out again', () => {
    const { pool: p, closed } = pool();
    const [a, b] = [conn(), conn()];
    for (const x of [a, b]) p.add(x);
    p.release(a, 1);
    p.release(b, 2);
    assert.equal(p.detach(b), true);
    assert.equal(p.detach(b), false);
    assert.equal(closed.length, 0);
    assert.equal(p.acquire('http://a:80', 3, 1000), a);
    assert.equal(p.acquire('http://a:80', 3, 1000), undefined);
  });
});
