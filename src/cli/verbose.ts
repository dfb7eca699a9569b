// -v and --trace-ascii output from the engine's debug callback (curl's tool_cb_dbg.c): text as
// "* ", request headers as "> ", response headers as "< " (lines keep their CRLF, as curl's do);
// --trace-ascii as "=> Send header, N bytes (0xN)" blocks with offset-prefixed lines.
import type { DebugInfoType } from '../multi/options.js';

export type Emit = (s: string) => void;

function prefixLines(prefix: string, text: string): string {
  let out = '';
  for (const line of text.split(/(?<=\n)/)) if (line !== '') out += prefix + line;
  return out;
}

/**
 * -v for one transfer: curl's tool_cb_dbg.c announces body data as "{ [N bytes data]" (once per
 * run of data chunks) unless the body goes to a terminal.
 */
export class VerboseState {
  private tracedData = false;
  constructor(private readonly stdoutTty: boolean) {}

  line(type: DebugInfoType, data: string | Uint8Array): string {
    if (type === 'data-in' || type === 'data-out') {
      if (this.tracedData || this.stdoutTty) return '';
      this.tracedData = true;
      const size = typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
      return `${type === 'data-in' ? '{' : '}'} [${size} bytes data]\n`;
    }
    this.tracedData = false;
    return verboseLine(type, data);
  }
}

export function verboseLine(type: DebugInfoType, data: string | Uint8Array): string {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  switch (type) {
    case 'text':
      return prefixLines('* ', text.endsWith('\n') ? text : `${text}\n`);
    case 'header-out':
      return prefixLines('> ', text);
    case 'header-in':
      return prefixLines('< ', text);
    case 'data-in':
    case 'data-out':
      return '';
  }
}

const traceTitles: Record<DebugInfoType, string> = {
  text: '== Info:',
  'header-out': '=> Send header',
  'data-out': '=> Send data',
  'header-in': '<= Recv header',
  'data-in': '<= Recv data',
};

/** --trace-ascii: 64 characters a line, non-printables as '.', lines broken after CRLF. */
export function traceAscii(type: DebugInfoType, data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
  if (type === 'text') return `${traceTitles.text} ${bytes.toString('latin1').replace(/\n?$/, '\n')}`;
  let out = `${traceTitles[type]}, ${bytes.length} bytes (0x${bytes.length.toString(16)})\n`;
  const width = 0x40;
  for (let i = 0; i < bytes.length; ) {
    let line = `${i.toString(16).padStart(4, '0')}: `;
    let c = 0;
    for (; c < width && i + c < bytes.length; c++) {
      const b = bytes[i + c]!;
      if (b === 0x0d && bytes[i + c + 1] === 0x0a) {
        c += 2;
        break;
      }
      line += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      if (b === 0x0a) {
        c++;
        break;
      }
    }
    out += `${line}\n`;
    i += c;
  }
  return out;
}
