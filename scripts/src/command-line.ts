import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * A script's flags, the way every bench and fault script reads them: `--help` prints the usage and
 * exits 0; a flag it does not know, or a value `fail` refuses, prints the message and the usage and
 * exits 2.
 */
export function commandLine<const O extends ParseArgsOptionsConfig>(usage: string, options: O) {
  const fail = (message: string): never => {
    console.error(`${message}\n\n${usage}`);
    process.exit(2);
  };
  const all = { ...options, help: { type: 'boolean', short: 'h', default: false } } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof all }>>;
  try {
    parsed = parseArgs({ options: all });
  } catch (error) {
    return fail((error as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return { values: parsed.values, fail };
}
