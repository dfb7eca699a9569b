// -T: the bytes of an upload, from a file (size known: Content-Length) or from stdin ('-' or '.':
// size unknown, sent chunked), handed to the engine through readFunction (curl's tool_cb_rea.c).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PAUSE, Pause } from '../multi/constants.js';
import type { Easy } from '../multi/easy.js';

export interface UploadSource {
  /** Bytes to send, -1 when unknown. */
  size: number;
  read(easy: Easy, buffer: Buffer): number | typeof PAUSE;
  close(): void;
}

export function isStdinUpload(name: string): boolean {
  return name === '-' || name === '.';
}

/** Opens a file for -T; undefined when it can not be read (curl: "Can't open 'f'!", 26). */
export function openFileUpload(path: string): UploadSource | undefined {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      return undefined;
    }
    size = st.isFile() ? st.size : -1;
  } catch {
    return undefined;
  }
  let open = true;
  return {
    size,
    read: (_easy, buffer) => readSync(fd, buffer, 0, buffer.length, null),
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/**
 * stdin is read as a stream so a slow writer never blocks the loop: an empty buffer pauses the
 * upload, the next chunk resumes it. One reader for the process: stdin can be read only once.
 */
class StdinReader {
  private chunks: Buffer[] = [];
  private ended = false;
  private waiting: Easy | undefined;
  private started = false;

  private start(): void {
    if (this.started) return;
    this.started = true;
    process.stdin.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.wake();
    });
    process.stdin.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const easy = this.waiting;
    this.waiting = undefined;
    if (easy !== undefined) {
      try {
        easy.pause(Pause.CONT);
      } catch {
        // The transfer ended meanwhile.
      }
    }
  }

  read(easy: Easy, buffer: Buffer): number | typeof PAUSE {
    this.start();
    let n = 0;
    while (n < buffer.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, buffer.length - n);
      c.copy(buffer, n, 0, take);
      n += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    if (n > 0 || this.ended) return n;
    this.waiting = easy;
    return PAUSE;
  }

  stop(): void {
    if (this.started) process.stdin.pause();
  }
}

let stdinReader: StdinReader | undefined;

export function stdinUpload(): UploadSource {
  stdinReader ??= new StdinReader();
  const r = stdinReader;
  return { size: -1, read: (easy, buffer) => r.read(easy, buffer), close: () => r.stop() };
}

/**
 * curl appends the local file name to a URL that has no file part (add_file_name_to_url): no path
 * at all, or a path ending in '/'.
 */
export function uploadUrl(url: string, file: string): string {
  const afterScheme = url.indexOf('://');
  const start = afterScheme < 0 ? 0 : afterScheme + 3;
  const slash = url.indexOf('/', start);
  const q = url.search(/[?#]/);
  const base = file.replace(/^.*[/\\]/, '');
  // curl escapes all but A-Za-z0-9-._~, in lower-case hex.
  let enc = '';
  for (const b of Buffer.from(base, 'utf8')) {
    const c = String.fromCharCode(b);
    enc += /[A-Za-z0-9._~-]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`;
  }
  if (slash < 0 || (q >= 0 && slash > q)) {
    // No path: "http://host" or "http://host?q" becomes "http://host/file".
    return q < 0 ? `${url}/${enc}` : `${url.slice(0, q)}/${enc}${url.slice(q)}`;
  }
  const pathEnd = q < 0 ? url.length : q;
  if (url[pathEnd - 1] === '/') return `${url.slice(0, pathEnd)}${enc}${url.slice(pathEnd)}`;
  return url;
}
