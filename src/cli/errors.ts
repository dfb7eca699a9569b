// Command-line errors in curl's words (tool_getparam.c param2text). Parameter errors exit with 2
// (CURLE_FAILED_INIT) except a missing feature, which exits with 4 (CURLE_NOT_BUILT_IN).
export type ParamProblem =
  | 'unknown'
  | 'ambiguous'
  | 'requires-parameter'
  | 'bad-use'
  | 'not-boolean'
  | 'bad-numeric'
  | 'negative-numeric'
  | 'not-built-in'
  | 'read-error'
  | 'method-conflict'
  | 'message';

const texts: Record<Exclude<ParamProblem, 'message'>, string> = {
  unknown: 'is unknown',
  ambiguous: 'is ambiguous',
  'requires-parameter': 'requires parameter',
  'bad-use': 'is badly used here',
  'not-boolean': "used '--no-' for option that isn't a boolean",
  'bad-numeric': 'expected a proper numerical parameter',
  'negative-numeric': 'expected a positive numerical parameter',
  'not-built-in': 'the installed libcurl version does not support this',
  'read-error': 'error encountered when reading a file',
  'method-conflict': '',
};

export class ParamError extends Error {
  constructor(
    readonly problem: ParamProblem,
    readonly option: string,
    detail?: string,
    /** A line curl prints before the option message (e.g. "cannot read config from 'f'"). */
    readonly preface?: string,
  ) {
    super(
      problem === 'message' || problem === 'method-conflict'
        ? (detail ?? '')
        : `option ${option}: ${texts[problem]}`,
    );
  }

  /** A method conflict is only a warning (hidden by -s given before it), then exit 2. */
  mute = false;

  get exitCode(): number {
    if (this.problem === 'not-built-in') return 4;
    if (this.problem === 'read-error') return 26;
    return 2;
  }
}

/**
 * curl's warnf(): "Warning: " before every line, the text broken at the last space that keeps a
 * line within 79 columns.
 */
export function warningText(message: string): string {
  const width = 79 - 'Warning: '.length;
  let out = '';
  let rest = message;
  while (rest.length > 0) {
    if (rest.length <= width) {
      out += `Warning: ${rest}\n`;
      break;
    }
    let cut = width - 1;
    while (cut > 0 && rest[cut] !== ' ') cut--;
    if (cut === 0) cut = width - 1;
    out += `Warning: ${rest.slice(0, cut + 1)}\n`;
    rest = rest.slice(cut + 1);
  }
  return out;
}
