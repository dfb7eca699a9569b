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
};

export class ParamError extends Error {
  constructor(
    readonly problem: ParamProblem,
    readonly option: string,
    detail?: string,
    /** A line curl prints before the option message (e.g. "cannot read config from 'f'"). */
    readonly preface?: string,
  ) {
    super(problem === 'message' ? (detail ?? '') : `option ${option}: ${texts[problem]}`);
  }

  get exitCode(): number {
    if (this.problem === 'not-built-in') return 4;
    if (this.problem === 'read-error') return 26;
    return 2;
  }
}
