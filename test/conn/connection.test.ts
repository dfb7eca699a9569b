// A connection's bookkeeping: the transfers attached, and the chain once connected (a top filter
// that only passes through is dropped, any other stays).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Connection } from '../../src/conn/connection.js';
import type { StreamOwner } from '../../src/conn/types.js';
import type { Filter } from '../../src/filters/types.js';

function filter(name: string, passThrough?: Filter): Filter {
  const f = { name, destroy() {} } as unknown as Filter;
  if (passThrough !== undefined) f.passThrough = () => passThrough;
  return f;
}

describe('Connection', () => {
  test('markConnected: a pass-through top is replaced by the filter below it', () => {
    const socket = filter('socket');
    const c = new Connection('a:80', 'http://a:80', 'a', 80, filter('happy-eyeballs', socket), 0);
    c.markConnected();
    assert.equal(c.state, 'connected');
    assert.equal(c.top, socket);
  });

  test('markConnected: any other top stays (TLS, a proxy filter, a race not won)', () => {
    const tls = filter('tls');
    const c = new Connection('a:443', 'https://a:443', 'a', 443, tls, 0);
    c.markConnected();
    assert.equal(c.top, tls);
    const racing = filter('happy-eyeballs');
    racing.passThrough = () => undefined;
    const d = new Connection('a:80', 'http://a:80', 'a', 80, racing, 0);
    d.markConnected();
    assert.equal(d.top, racing);
  });

  test('attach and detach keep the order of the others; the list works after emptying', () => {
    const c = new Connection('a:80', 'http://a:80', 'a', 80, filter('socket'), 0);
    const [x, y, z] = [{}, {}, {}] as StreamOwner[];
    c.attach(x!);
    c.attach(y!);
    c.attach(z!);
    // A new connection's list is its own (the empty one it starts with is shared, never written).
    assert.equal(new Connection('b:80', 'http://b:80', 'b', 80, filter('socket'), 0).users, 0);
    c.detach(y!);
    assert.deepEqual(c.attached, [x, z]);
    c.detach(z!);
    c.detach(x!);
    assert.equal(c.users, 0);
    c.attach(y!);
    assert.deepEqual(c.attached, [y]);
    c.detach({} as StreamOwner);
    assert.equal(c.users, 1);
  });
});
