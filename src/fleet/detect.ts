// Whether a command line is one of the fleet commands (kept apart from cli.ts so that the curl
// command line does not load the Redis client).
export const fleetModes = ['--queue', '--queue-add', '--queue-status'] as const;

export function isFleetCommand(args: readonly string[]): boolean {
  return args.some((a) => (fleetModes as readonly string[]).includes(a));
}
