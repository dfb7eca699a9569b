// -w / --write-out: curl's variables (tool_writeout.c) with curl's formatting: times as seconds
// with six decimals, sizes and speeds as integers, http_code as three digits, %{json} with keys in
// curl's order, %{header_json}, %header{name}, %{stdout} / %{stderr} switching the stream.
import type { EasyInfo } from '../multi/info.js';

export interface WriteOutData {
  info: EasyInfo;
  /** The URL as given (after globbing), %{url}. */
  url: string;
  urlnum: number;
  exitcode: number;
  errormsg: string;
  filenameEffective: string | null;
  /** Response header lines of the last response (without status line), in arrival order. */
  headers: Array<[string, string]>;
  referer: string | null;
  version: string;
}

type Value = { kind: 'str'; v: string | null } | { kind: 'int'; v: number } | { kind: 'time'; v: number };

function time(seconds: number): string {
  const us = Math.max(0, Math.round(seconds * 1e6));
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

function httpVersionText(v: number): string {
  switch (v) {
    case 1:
      return '1';
    case 2:
      return '1.1';
    case 3:
      return '2';
    case 30:
      return '3';
    default:
      return '0';
  }
}

/** %{certs}: each certificate's "Name:value" lines, a blank line after each (curl's tool). */
function certsText(certs: readonly (readonly string[])[]): string {
  let out = '';
  for (const cert of certs) {
    for (const entry of cert) out += entry.endsWith('\n') ? entry : `${entry}\n`;
    out += '\n';
  }
  return out;
}

/** Variables in curl's table order, which is also %{json}'s key order. */
const variables: Array<[string, (d: WriteOutData) => Value]> = [
  ['certs', (d) => ({ kind: 'str', v: certsText(d.info.certInfo) })],
  ['content_type', (d) => ({ kind: 'str', v: d.info.contentType })],
  ['errormsg', (d) => ({ kind: 'str', v: d.errormsg === '' ? null : d.errormsg })],
  ['exitcode', (d) => ({ kind: 'int', v: d.exitcode })],
  ['filename_effective', (d) => ({ kind: 'str', v: d.filenameEffective })],
  ['ftp_entry_path', () => ({ kind: 'str', v: null })],
  ['http_code', (d) => ({ kind: 'int', v: d.info.responseCode })],
  ['http_connect', () => ({ kind: 'int', v: 0 })],
  ['http_version', (d) => ({ kind: 'str', v: httpVersionText(d.info.httpVersion) })],
  ['local_ip', (d) => ({ kind: 'str', v: d.info.localIp })],
  ['local_port', (d) => ({ kind: 'int', v: d.info.localPort })],
  ['method', (d) => ({ kind: 'str', v: d.info.effectiveMethod })],
  ['num_certs', (d) => ({ kind: 'int', v: d.info.certInfo.length })],
  ['num_connects', (d) => ({ kind: 'int', v: d.info.numConnects })],
  ['num_headers', (d) => ({ kind: 'int', v: d.headers.length })],
  ['num_redirects', (d) => ({ kind: 'int', v: d.info.redirectCount })],
  ['proxy_ssl_verify_result', (d) => ({ kind: 'int', v: d.info.proxySslVerifyResult })],
  ['redirect_url', (d) => ({ kind: 'str', v: d.info.redirectUrl })],
  ['referer', (d) => ({ kind: 'str', v: d.referer })],
  ['remote_ip', (d) => ({ kind: 'str', v: d.info.primaryIp })],
  ['remote_port', (d) => ({ kind: 'int', v: d.info.primaryPort })],
  ['response_code', (d) => ({ kind: 'int', v: d.info.responseCode })],
  ['scheme', (d) => ({ kind: 'str', v: d.info.scheme === '' ? null : d.info.scheme })],
  ['size_download', (d) => ({ kind: 'int', v: d.info.sizeDownload })],
  ['size_header', (d) => ({ kind: 'int', v: d.info.headerSize })],
  ['size_request', (d) => ({ kind: 'int', v: d.info.requestSize })],
  ['size_upload', (d) => ({ kind: 'int', v: d.info.sizeUpload })],
  ['speed_download', (d) => ({ kind: 'int', v: d.info.speedDownload })],
  ['speed_upload', (d) => ({ kind: 'int', v: d.info.speedUpload })],
  ['ssl_verify_result', (d) => ({ kind: 'int', v: d.info.sslVerifyResult })],
  ['time_appconnect', (d) => ({ kind: 'time', v: d.info.appconnectTime })],
  ['time_connect', (d) => ({ kind: 'time', v: d.info.connectTime })],
  ['time_namelookup', (d) => ({ kind: 'time', v: d.info.namelookupTime })],
  ['time_pretransfer', (d) => ({ kind: 'time', v: d.info.pretransferTime })],
  ['time_redirect', (d) => ({ kind: 'time', v: d.info.redirectTime })],
  ['time_starttransfer', (d) => ({ kind: 'time', v: d.info.starttransferTime })],
  ['time_total', (d) => ({ kind: 'time', v: d.info.totalTime })],
  ['url', (d) => ({ kind: 'str', v: d.url })],
  ['url_effective', (d) => ({ kind: 'str', v: d.info.effectiveUrl })],
  ['urlnum', (d) => ({ kind: 'int', v: d.urlnum })],
];
const byName = new Map(variables);

function plain(name: string, v: Value): string {
  if (v.kind === 'time') return time(v.v);
  if (v.kind === 'int')
    return name === 'http_code' || name === 'response_code' ? String(v.v).padStart(3, '0') : String(v.v);
  return v.v ?? '';
}

function jsonValue(v: Value): string {
  if (v.kind === 'time') return time(v.v);
  if (v.kind === 'int') return String(v.v);
  return v.v === null ? 'null' : JSON.stringify(v.v);
}

export function jsonOf(d: WriteOutData): string {
  const parts = variables.map(([name, get]) => `${JSON.stringify(name)}:${jsonValue(get(d))}`);
  parts.push(`"curl_version":${JSON.stringify(d.version)}`);
  return `{${parts.join(',')}}`;
}

export function headerJsonOf(headers: Array<[string, string]>): string {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const k = name.toLowerCase();
    const list = grouped.get(k);
    if (list === undefined) grouped.set(k, [value]);
    else list.push(value);
  }
  const entries = [...grouped].map(
    ([k, vs]) => `${JSON.stringify(k)}:[${vs.map((v) => JSON.stringify(v)).join(',')}]`,
  );
  return `{${entries.join(',\n')}\n}`;
}

export interface WriteOutSinks {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Warnings (unknown variables) go here, even under -s, as curl does. */
  warn(s: string): void;
}

/** Renders `format` for one finished transfer, writing to the sinks as %{stdout}/%{stderr} switch. */
export function writeOut(format: string, d: WriteOutData, sinks: WriteOutSinks): void {
  let out: 'stdout' | 'stderr' = 'stdout';
  let buf = '';
  const flush = () => {
    if (buf !== '') sinks[out](buf);
    buf = '';
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '%' && format[i + 1] === '%') {
      buf += '%';
      i++;
    } else if (ch === '%' && format[i + 1] === '{') {
      const end = format.indexOf('}', i);
      if (end < 0) {
        buf += '%{';
        i++;
        continue;
      }
      const name = format.slice(i + 2, end);
      i = end;
      if (name === 'stdout' || name === 'stderr') {
        flush();
        out = name;
      } else if (name === 'json') buf += jsonOf(d);
      else if (name === 'header_json') buf += headerJsonOf(d.headers);
      else if (name === 'onerror') {
        if (d.exitcode === 0) {
          flush();
          return;
        }
      } else {
        const get = byName.get(name);
        if (get === undefined) sinks.warn(`unknown --write-out variable: '${name}'`);
        else buf += plain(name, get(d));
      }
    } else if (ch === '%' && format.startsWith('%header{', i)) {
      const end = format.indexOf('}', i);
      if (end < 0) {
        buf += ch;
        continue;
      }
      const name = format.slice(i + 8, end).toLowerCase();
      i = end;
      const values = d.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
      buf += values.join(', ');
    } else if (ch === '\\' && i + 1 < format.length) {
      const e = format[i + 1]!;
      const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };
      if (map[e] !== undefined) {
        buf += map[e];
        i++;
      } else buf += ch;
    } else buf += ch;
  }
  flush();
}
