// Where a transfer's bytes go: stdout, or a file opened on the first write (curl creates the file
// when data arrives, and an empty one for a successful empty body), --create-dirs making parents.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class OutputSink {
  private fd: number | undefined;
  /** Set when opening the file failed: curl's warning text. */
  failure: string | undefined;
  bytes = 0;

  constructor(
    /** undefined = stdout. */
    readonly path: string | undefined,
    private readonly createDirs: boolean,
    /** -C: add to the existing file instead of truncating it. */
    private readonly append = false,
  ) {}

  get isStdout(): boolean {
    return this.path === undefined || this.path === '-';
  }

  /** Writes all of chunk; false if the file could not be opened or written. */
  write(chunk: Uint8Array): boolean {
    if (this.isStdout) {
      process.stdout.write(chunk);
      this.bytes += chunk.length;
      return true;
    }
    if (this.fd === undefined && !this.open()) return false;
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
    } catch (e) {
      this.failure = `Failed writing to the file ${this.path}: ${(e as Error).message}`;
      return false;
    }
    this.bytes += chunk.length;
    return true;
  }

  private open(): boolean {
    const path = this.path!;
    try {
      if (this.createDirs) mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, this.append ? 'a' : 'w');
      return true;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'ENOENT'
          ? 'No such file or directory'
          : err.code === 'EACCES'
            ? 'Permission denied'
            : err.code === 'EISDIR'
              ? 'Is a directory'
              : err.message;
      this.failure = `Failed to open the file ${path}: ${why}`;
      return false;
    }
  }

  /** Ends the output; `ensure` creates the file when nothing was written (a successful empty body). */
  close(ensure: boolean): void {
    if (ensure && !this.isStdout && this.fd === undefined && this.failure === undefined) this.open();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** For a retry: start the file again from empty. */
  reset(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.bytes = 0;
  }
}
