// curl's checkpasswd + getpass_r (tool_operate.c, tool_getpass.c): `-u user` without a ':' asks
// for the password before any transfer starts. The prompt goes to stderr; the answer is read from
// /dev/tty with echo off, or from stdin when there is no terminal (so without a terminal and with
// an empty stdin the password is empty, as curl's). One read of at most 255 bytes, the last byte
// read (the Enter) dropped, as getpass_r does.
import { closeSync, openSync, readSync } from 'node:fs';

/** Blocking read of one chunk; a non-blocking stdin answering EAGAIN is waited for. */
function readOnce(fd: number, buf: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') return 0;
      return 0;
    }
  }
}

function stty(fd: number, arg: string): boolean {
  const r = process
    .getBuiltinModule('node:child_process')
    .spawnSync('stty', [arg], { stdio: [fd, 'ignore', 'ignore'] });
  return r.status === 0;
}

/** getpass_r: the prompt on stderr, the answer without its last byte, then a newline on stderr. */
export function askPassword(prompt: string, writeErr: (s: string) => void): string {
  let fd: number;
  let tty = true;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    fd = 0;
    tty = false;
  }
  const echoOff = tty && stty(fd, '-echo');
  writeErr(prompt);
  const buf = Buffer.alloc(255);
  const n = readOnce(fd, buf);
  // curl's ttyecho() reports echo as disabled even where it could not be (no terminal): the
  // newline after the answer is always written.
  writeErr('\n');
  if (echoOff) stty(fd, 'echo');
  if (tty) closeSync(fd);
  return n > 0 ? buf.subarray(0, n - 1).toString('latin1') : '';
}

/**
 * checkpasswd for operation `index` of `count`: 'user' becomes 'user:<answer>'. Nothing is asked
 * when there is a ':' or the value starts with ';' (login options only).
 */
export function completeUserPwd(
  userpwd: string,
  index: number,
  count: number,
  writeErr: (s: string) => void,
): string {
  if (userpwd.includes(':') || userpwd.startsWith(';')) return userpwd;
  const semi = userpwd.indexOf(';');
  const user = semi >= 0 ? userpwd.slice(0, semi) : userpwd;
  const prompt =
    index === 0 && count === 1
      ? `Enter host password for user '${user}':`
      : `Enter host password for user '${user}' on URL #${index + 1}:`;
  return `${userpwd}:${askPassword(prompt, writeErr)}`;
}
