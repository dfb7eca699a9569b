#!/usr/bin/env node
// tscurl's launcher (copied to dist/bin/tscurl.cjs by scripts/build-cli.mjs, which fills in the
// bundle's hash). It runs dist/bin/cli.cjs as a vm.Script with V8's code cache (cachedData), so
// that from the second run on the bundle is not compiled again. The cache is written at the end of
// a run that had none, so it holds the functions a run compiled, not only the top level: this is
// why Node's own module compile cache (22.1+) is not used; it is written at compile time, and with
// it a transfer still compiled most of its code at every start (measured on Node 26: 44 ms of CPU
// above `node -e 0` against 24 ms with this cache).
// The cache lives in $TSCURL_COMPILE_CACHE, else in a directory of this user's under the temp
// directory, closed to others. No cache (NODE_DISABLE_COMPILE_CACHE set, a read-only install or
// temp directory, a foreign directory, a cache V8 rejects) only costs the compilation: every
// failure here falls back to running the bundle as it is.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const BUNDLE_HASH = 'BUNDLE_HASH';
const bundle = path.join(__dirname, 'cli.cjs');

function cacheDirectory() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const chosen = process.env.TSCURL_COMPILE_CACHE;
  if (chosen) {
    try {
      fs.mkdirSync(chosen, { recursive: true });
      return chosen;
    } catch {
      return undefined;
    }
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid === undefined) return undefined;
  const dir = path.join(require('node:os').tmpdir(), `tscurl-compile-cache-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch {
    // it exists (checked below) or cannot be made (then nothing is cached)
  }
  // Code from the cache runs as this user: only a directory that is ours and closed to others.
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A cache not written for this long belongs to a build (or Node) that is probably gone. */
const STALE_MS = 30 * 24 * 3600 * 1000;

/**
 * Each build and Node version has a cache file of its own, so upgrades leave old ones behind. When
 * this run writes a cache (the first run of a build, which is rare), caches of other builds not
 * written for 30 days are removed, and so are temp files a killed run left. A cache still in use
 * is only read, never rewritten, so it may be removed too: it costs that build one compilation.
 */
function pruneOldCaches(dir, keep) {
  try {
    const now = Date.now();
    for (const name of fs.readdirSync(dir)) {
      if (name === keep || !/^tscurl-[0-9a-f]+-.+\.bin(\.\d+)?$/.test(name)) continue;
      const entry = path.join(dir, name);
      if (now - fs.lstatSync(entry).mtimeMs > STALE_MS) fs.unlinkSync(entry);
    }
  } catch {
    // best effort
  }
}

function runWithCodeCache() {
  const dir = cacheDirectory();
  const file =
    dir === undefined
      ? undefined
      : path.join(dir, `tscurl-${BUNDLE_HASH}-${process.version}-${process.arch}.bin`);
  let cachedData;
  if (file !== undefined) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // first run
    }
  }
  const vm = require('node:vm');
  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  if (file !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    // Written at exit, so that the functions this run compiled are in the cache too.
    process.once('exit', () => {
      try {
        const tmp = `${file}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
      } catch {
        // not cached this time
      }
      pruneOldCaches(dir, path.basename(file));
    });
  }
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, require, bundleModule, bundle, __dirname);
}

runWithCodeCache();
