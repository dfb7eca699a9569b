// The run's cookies, shared by every transfer as curl's tool shares them (one CURLSH with
// CURL_LOCK_DATA_COOKIE for all operations): -b files are read into it, each operation's -c file
// gets it written after every transfer of that operation (curl writes at each handle's cleanup,
// which comes right after its transfer), so the file left at exit is curl's.
import { readFileSync, writeFileSync } from 'node:fs';
import { Share } from '../multi/share.js';
import type { Operation } from './config.js';

export class CookieStore {
  private share: Share | undefined;
  private readonly loaded = new WeakSet<Operation>();

  /**
   * The run's cookie Share for a transfer of `op`, or undefined when `op` does not turn the cookie engine
   * on (only -b files and -c do; -b name=value strings do not). The operation's -b files are read
   * into it once, at its first transfer, session cookies left out with -j; a file that can not be
   * read is ignored (libcurl's behaviour).
   */
  forOperation(op: Operation): Share | undefined {
    if (op.cookieFiles.length === 0 && op.cookieJar === undefined) return undefined;
    this.share ??= new Share({ share: ['cookie'] });
    const jar = this.share.cookies!;
    if (!this.loaded.has(op)) {
      this.loaded.add(op);
      const nowS = Math.floor(Date.now() / 1000);
      for (const file of op.cookieFiles) {
        if (file === '') continue;
        let text: string;
        try {
          text = readFileSync(file === '-' ? 0 : file, 'latin1');
        } catch {
          continue;
        }
        jar.load(text, nowS, op.junkSessionCookies);
      }
    }
    return this.share;
  }

  /** After a transfer of `op` ends (or fails to start): its -c file gets the jar. */
  save(op: Operation): void {
    if (op.cookieJar === undefined || op.cookieJar === '') return;
    const jar = this.forOperation(op)!.cookies!;
    try {
      writeFileSync(op.cookieJar === '-' ? 1 : op.cookieJar, jar.toNetscape());
    } catch {
      // libcurl only mentions this in verbose mode ("WARNING: failed to save cookies in F").
    }
  }
}
