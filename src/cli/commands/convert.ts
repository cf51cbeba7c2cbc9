import { readFileSync, writeFileSync } from 'node:fs';
import { convertYaml } from '../../convert/convert.ts';
import { formatNote, isLossy } from '../../convert/report.ts';
import { parseFlags, UsageError } from '../flags.ts';

type Out = (text: string) => void;
export interface ConvertIo {
  stdout: Out;
  stderr: Out;
  /** The text of FILE, or of standard input for `-`. */
  read: (path: string) => string;
  write: (path: string, text: string) => void;
}

const processIo: ConvertIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  read: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
  write: (path, text) => {
    writeFileSync(path, text);
  },
};

/**
 * `convert [FILE|-] [-o FILE] [--allow-lossy]`: Argo Rollouts and Flagger manifests to Bellwether
 * ones on stdout (or -o), a note per field not carried as it was on stderr. Exit 1 when anything
 * was dropped or the output does not validate (unless --allow-lossy, for drops only).
 */
export function convertCommand(args: string[], io: ConvertIo = processIo): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { output: { type: 'string', short: 'o' }, 'allow-lossy': { type: 'boolean' } },
    'convert',
  );
  if (positionals.length > 1) throw new UsageError('convert: one FILE (or - for standard input)');
  const input = positionals[0] ?? '-';
  let text: string;
  try {
    text = io.read(input);
  } catch (err) {
    throw new UsageError(
      `convert: cannot read ${input}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const { yaml, notes } = convertYaml(text);
  if (values.output === undefined) io.stdout(yaml);
  else io.write(values.output, yaml);
  for (const note of notes) io.stderr(formatNote(note));
  const invalid = notes.some((n) => n.kind === 'invalid');
  const lossy = isLossy(notes);
  if (lossy)
    io.stderr(
      `convert: ${notes.filter((n) => n.kind === 'dropped').length} field(s) dropped, ` +
        `${notes.filter((n) => n.kind === 'invalid').length} invalid${values['allow-lossy'] === true && !invalid ? ' (allowed by --allow-lossy)' : ''}\n`,
    );
  return Promise.resolve(invalid || (lossy && values['allow-lossy'] !== true) ? 1 : 0);
}
