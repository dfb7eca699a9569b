// An Easy whose body is hashed as it arrives (the interop suites check downloads by SHA-256).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CurlCode, Easy, type EasyOptions, NodeDriver } from '../../src/index.js';

export interface Hashing {
  easy: Easy;
  /** Lower-case hex SHA-256 of the body (call once the transfer is done). */
  digest: () => string;
  size: () => number;
}

export function hashing(url: string, extra: EasyOptions = {}): Hashing {
  const h = createHash('sha256');
  let n = 0;
  const easy = new Easy({
    url,
    writeFunction: (c) => {
      h.update(c);
      n += c.length;
    },
    ...extra,
  });
  let d: string | undefined;
  return { easy, digest: () => (d ??= h.digest('hex')), size: () => n };
}

/**
 * Add `count` transfers of `url` at once to `loop.multi` and wait for all: every one must end OK
 * with `sha256`, over at most `maxConnections` connections.
 */
export async function fanOut(
  loop: {
    multi: { addHandle(e: Easy): void };
    untilIdle(ms: number): Promise<void>;
    done: Array<{ result: number }>;
  },
  url: string,
  count: number,
  sha256: string,
  maxConnections: number,
  extra: EasyOptions = {},
): Promise<void> {
  const all: Hashing[] = [];
  for (let i = 0; i < count; i++) {
    const t = hashing(url, extra);
    all.push(t);
    loop.multi.addHandle(t.easy);
  }
  await loop.untilIdle(60_000);
  if (loop.done.length !== count) throw new Error(`${loop.done.length} of ${count} transfers done`);
  const failed = loop.done.filter((d) => d.result !== 0);
  if (failed.length > 0) throw new Error(`${failed.length} transfers failed (first: ${failed[0]!.result})`);
  if (!all.every((t) => t.digest() === sha256)) throw new Error('a body does not match its SHA-256');
  const connects = all.reduce((n, t) => n + t.easy.getInfo().numConnects, 0);
  if (connects > maxConnections)
    throw new Error(`${connects} connections opened (at most ${maxConnections})`);
}

/**
 * One download of `url` on a NodeDriver of its own: it must end OK with `file`'s size and SHA-256.
 * The transfer is returned for further checks of its getInfo().
 */
export async function download(
  url: string,
  file: { size: number; sha256: string },
  extra: EasyOptions = {},
): Promise<Hashing> {
  const driver = new NodeDriver();
  try {
    const t = hashing(url, extra);
    const m = await driver.add(t.easy);
    assert.equal(m.result, CurlCode.OK, t.easy.errorBuffer);
    assert.equal(t.size(), file.size);
    assert.equal(t.digest(), file.sha256);
    return t;
  } finally {
    driver.close();
  }
}

/**
 * `count` transfers of `url` one after the other on one NodeDriver: each ends OK with `sha256`, the
 * first opens the connection and every later one reuses it.
 */
export async function sequentialReuse(
  url: string,
  sha256: string,
  count: number,
  extra: EasyOptions = {},
): Promise<void> {
  const driver = new NodeDriver();
  try {
    for (let i = 0; i < count; i++) {
      const t = hashing(url, extra);
      const m = await driver.add(t.easy);
      assert.equal(m.result, CurlCode.OK, t.easy.errorBuffer);
      assert.equal(t.digest(), sha256);
      assert.equal(t.easy.getInfo().numConnects, i === 0 ? 1 : 0, `transfer ${i} reused the connection`);
    }
  } finally {
    driver.close();
  }
}
