// mimePost: multipart/form-data bodies as libcurl's curl_mime_* API builds them (lib/mime.c), byte
// for byte what curl -F sends apart from the random boundary. The body is produced while it is sent:
// file parts are read in chunks as the socket takes them, never whole in memory; the size is known
// (Content-Length) when every part's is, otherwise the body goes chunked.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import { PAUSE, READFUNC_ABORT } from '../constants.js';
import type { ReadFunction, SeekFunction } from '../options.js';

/** libcurl's boundary: 24 dashes then 22 random alphanumerics (curl 8.4+; older curl: 16 hex). */
const BOUNDARY_DASHES = 24;
const BOUNDARY_RANDOM = 22;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** libcurl's FILE_CONTENTTYPE_DEFAULT. */
const FILE_CONTENTTYPE_DEFAULT = 'application/octet-stream';
/** Curl_mime_contenttype()'s table: a type from the file name's extension. */
const CONTENT_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['.gif', 'image/gif'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.png', 'image/png'],
  ['.svg', 'image/svg+xml'],
  ['.txt', 'text/plain'],
  ['.htm', 'text/html'],
  ['.html', 'text/html'],
  ['.pdf', 'application/pdf'],
  ['.xml', 'application/xml'],
];

export function contentTypeFor(name: string | null | undefined): string | undefined {
  if (name === undefined || name === null) return undefined;
  const lower = name.toLowerCase();
  for (const [ext, type] of CONTENT_TYPES) if (lower.endsWith(ext)) return type;
  return undefined;
}

/**
 * One part (curl_mime_addpart + curl_mime_name / _data / _filedata / _data_cb / _filename /
 * _type / _headers). At most one of `data`, `filePath`, `readFunction`; none is an empty part.
 */
export interface MimePartInit {
  /** curl_mime_name: the form field's name. */
  name?: string;
  /** curl_mime_data: the part's bytes (a string is sent as UTF-8). */
  data?: string | Uint8Array;
  /**
   * curl_mime_filedata: the file's bytes, read while sending. The file name sent defaults to the
   * path's base name (curl -F name=@path); `filename: null` sends none (curl -F 'name=<path').
   */
  filePath?: string;
  /** curl_mime_data_cb: fills `buffer`, returns bytes (0 = end), PAUSE or READFUNC_ABORT. */
  readFunction?: ReadFunction;
  /** The readFunction's size in bytes; unset or -1 = unknown (the whole body then goes chunked). */
  size?: number;
  /** curl_mime_data_cb's seek callback: lets a readFunction part be sent again (redirect, auth). */
  seekFunction?: SeekFunction;
  /** curl_mime_filename; null removes the default a filePath gives. */
  filename?: string | null;
  /** curl_mime_type: Content-Type of the part (default from the file name, as libcurl). */
  type?: string;
  /** curl_mime_headers: extra header lines of the part ('Name: value'), after libcurl's own. */
  headers?: string[];
}

interface Part {
  readonly init: MimePartInit;
}

/** curl_mime_init: a multipart/form-data body for the mimePost option. */
export class Mime {
  /** The boundary (libcurl makes it when the mime is created: each request of this Mime uses it). */
  readonly boundary: string;
  private readonly list: Part[] = [];

  constructor() {
    const r = process.getBuiltinModule('node:crypto').randomBytes(BOUNDARY_RANDOM);
    let s = '-'.repeat(BOUNDARY_DASHES);
    for (const b of r) s += ALNUM[b % ALNUM.length];
    this.boundary = s;
  }

  /** curl_mime_addpart with its settings in one call. */
  addPart(init: MimePartInit): this {
    const sources = [init.data, init.filePath, init.readFunction].filter((x) => x !== undefined).length;
    if (sources > 1) throw new TypeError('Mime.addPart: give at most one of data, filePath, readFunction');
    if (init.size !== undefined && (!Number.isInteger(init.size) || init.size < -1))
      throw new TypeError('Mime.addPart: size must be an integer >= -1');
    this.list.push({ init: { ...init, ...(init.headers ? { headers: [...init.headers] } : {}) } });
    return this;
  }

  get parts(): readonly MimePartInit[] {
    return this.list.map((p) => p.init);
  }

  /** The request's Content-Type header value. */
  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  /** @internal A reader for one request: checks files (26 when one cannot be read) and sizes. */
  _reader(): MimeReader {
    return new MimeReader(this);
  }
}

/** libcurl's escape_string() with MIMESTRATEGY_FORM (the HTTP default). */
function escapeForm(s: string): string {
  return s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Curl_mime_prepare_headers for a form-data part. */
function partHeaders(p: MimePartInit): string {
  let filename = p.filename;
  if (filename === undefined && p.filePath !== undefined) filename = basename(p.filePath);
  let type = p.type;
  if (type === undefined) {
    type = contentTypeFor(filename);
    // A file part with a file name and no known type (curl -F name=@file): octet-stream. Without
    // a name (curl -F 'name=<file') curl sends no Content-Type.
    if (type === undefined && p.filePath !== undefined && filename !== undefined && filename !== null)
      type = FILE_CONTENTTYPE_DEFAULT;
  }
  const user = p.headers ?? [];
  let out = '';
  if (!user.some((h) => /^content-disposition\s*:/i.test(h))) {
    const hasName = p.name !== undefined;
    const hasFile = filename !== undefined && filename !== null;
    out += 'Content-Disposition: form-data';
    if (hasName) out += `; name="${escapeForm(p.name!)}"`;
    if (hasFile) out += `; filename="${escapeForm(filename as string)}"`;
    out += '\r\n';
  }
  if (type !== undefined && !user.some((h) => /^content-type\s*:/i.test(h)))
    out += `Content-Type: ${type}\r\n`;
  for (const h of user) out += `${h}\r\n`;
  return `${out}\r\n`;
}

type Piece =
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'file'; path: string; size: number }
  | { kind: 'cb'; fn: ReadFunction; size: number; seek: SeekFunction | undefined };

/** The body of one request, produced piece by piece into the upload buffer. */
export class MimeReader {
  readonly pieces: Piece[] = [];
  /** Total bytes, -1 when a part's size is unknown. */
  readonly size: number;
  private index = 0;
  private offset = 0;
  /** Bytes handed out so far (a rewind is then needed before sending again). */
  private produced = 0;

  constructor(mime: Mime) {
    const b = mime.boundary;
    const first = mime.parts.length === 0;
    let text = '';
    const flush = () => {
      if (text !== '') this.pieces.push({ kind: 'bytes', data: Buffer.from(text, 'utf8') });
      text = '';
    };
    if (first) text += `--${b}--\r\n`;
    mime.parts.forEach((p, i) => {
      text += `${i === 0 ? '' : '\r\n'}--${b}\r\n${partHeaders(p)}`;
      if (p.data !== undefined) {
        flush();
        const data = typeof p.data === 'string' ? Buffer.from(p.data, 'utf8') : Buffer.from(p.data);
        this.pieces.push({ kind: 'bytes', data });
      } else if (p.filePath !== undefined) {
        flush();
        let size: number;
        try {
          const st = statSync(p.filePath);
          if (!st.isFile()) throw new Error('not a regular file');
          size = st.size;
        } catch (cause) {
          throw new TransferError(
            CurlCode.READ_ERROR,
            `Failed to open/read local data from file/application: ${p.filePath}`,
            { phase: 'send', side: 'local', cause },
          );
        }
        this.pieces.push({ kind: 'file', path: p.filePath, size });
      } else if (p.readFunction !== undefined) {
        flush();
        this.pieces.push({ kind: 'cb', fn: p.readFunction, size: p.size ?? -1, seek: p.seekFunction });
      }
    });
    if (!first) text += `\r\n--${b}--\r\n`;
    flush();
    let size = 0;
    for (const piece of this.pieces) {
      const n = piece.kind === 'bytes' ? piece.data.length : piece.size;
      if (n < 0) {
        size = -1;
        break;
      }
      size += n;
    }
    this.size = size;
  }

  /** Fill `buf` (the upload buffer): bytes written, 0 at the end, PAUSE or READFUNC_ABORT from a part's callback. */
  read(buf: Buffer): number | typeof PAUSE | typeof READFUNC_ABORT {
    let filled = 0;
    let fd: number | undefined;
    try {
      while (filled < buf.length && this.index < this.pieces.length) {
        const piece = this.pieces[this.index]!;
        let n = 0;
        let end = false;
        if (piece.kind === 'bytes') {
          n = piece.data.copy(buf, filled, this.offset);
          end = this.offset + n >= piece.data.length;
        } else if (piece.kind === 'file') {
          // The file is opened for this fill only: nothing stays open if the transfer stops.
          fd ??= openSync(piece.path, 'r');
          const want = Math.min(buf.length - filled, piece.size - this.offset);
          n = want <= 0 ? 0 : readSync(fd, buf, filled, want, this.offset);
          if (n === 0 && this.offset < piece.size) {
            throw new TransferError(
              CurlCode.READ_ERROR,
              `Failed to read ${piece.path}: it ended after ${this.offset} of ${piece.size} bytes`,
              { phase: 'send', side: 'local' },
            );
          }
          end = this.offset + n >= piece.size;
        } else {
          const room = buf.subarray(
            filled,
            piece.size < 0 ? buf.length : filled + Math.min(buf.length - filled, piece.size - this.offset),
          );
          const r = room.length === 0 ? 0 : piece.fn.call(undefined, room);
          if (r === PAUSE || r === READFUNC_ABORT) {
            // A pause or abort with bytes already in the buffer waits for the next call.
            if (filled > 0) break;
            return r;
          }
          if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > room.length) {
            throw new TransferError(CurlCode.READ_ERROR, 'read function returned funny value', {
              phase: 'callback',
            });
          }
          n = r;
          if (r === 0 && piece.size >= 0 && this.offset < piece.size) {
            throw new TransferError(
              CurlCode.READ_ERROR,
              `client read function EOF fail, only ${this.offset}/${piece.size} of needed bytes read`,
              { phase: 'send' },
            );
          }
          end = r === 0 || (piece.size >= 0 && this.offset + r >= piece.size);
        }
        filled += n;
        this.offset += n;
        if (end) {
          this.index++;
          this.offset = 0;
          if (fd !== undefined) {
            closeSync(fd);
            fd = undefined;
          }
        }
      }
    } catch (cause) {
      if (cause instanceof TransferError) throw cause;
      throw new TransferError(CurlCode.READ_ERROR, `Failed to open/read local data from file/application`, {
        phase: 'send',
        side: 'local',
        cause,
      });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    this.produced += filled;
    return filled;
  }

  /** Back to the start for a resend; false when a callback part cannot seek (libcurl's 65). */
  rewind(): boolean {
    if (this.produced === 0) return true;
    for (let i = 0; i <= Math.min(this.index, this.pieces.length - 1); i++) {
      const p = this.pieces[i]!;
      if (p.kind !== 'cb') continue;
      if (p.seek === undefined) return false;
      try {
        if (p.seek.call(undefined, 0, 0) !== 0) return false;
      } catch {
        return false;
      }
    }
    this.index = 0;
    this.offset = 0;
    this.produced = 0;
    return true;
  }
}
