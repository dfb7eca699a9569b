// Run one Easy to completion on a NodeDriver and collect what the application saw.
import { type CurlCode, Easy, type EasyInfo, type EasyOptions, NodeDriver } from '../../src/index.js';

export interface RunResult {
  code: CurlCode;
  body: Buffer;
  headers: string[];
  info: EasyInfo;
  error: string;
  easy: Easy;
}

export async function run(opts: EasyOptions, driver?: NodeDriver): Promise<RunResult> {
  const chunks: Buffer[] = [];
  const headers: string[] = [];
  const easy = new Easy({
    writeFunction: (c) => {
      chunks.push(Buffer.from(c));
      return c.length;
    },
    headerFunction: (line) => {
      headers.push(line);
      return line.length;
    },
    ...opts,
  });
  const d = driver ?? new NodeDriver();
  try {
    const msg = await d.add(easy);
    return {
      code: msg.result,
      body: Buffer.concat(chunks),
      headers,
      info: easy.getInfo(),
      error: easy.errorBuffer,
      easy,
    };
  } finally {
    // curl_easy_cleanup: writes the cookie jar, as an application's cleanup does.
    easy.close();
    if (driver === undefined) d.close();
  }
}

/** Status lines among the header lines. */
export function statusLines(headers: string[]): string[] {
  return headers.filter((h) => h.startsWith('HTTP/')).map((h) => h.trimEnd());
}
