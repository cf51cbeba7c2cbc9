#!/usr/bin/env node
// The CLI and controller as plain JavaScript: `npm run build` (run by `npm ci` through `prepare`)
// compiles src/ into dist/, and this file runs it with node alone, as the container image does.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'bellwether: the compiled CLI is missing (dist/src/cli/main.js); run `npm run build` ' +
      '(`npm ci` runs it too)\n',
  );
  process.exit(1);
}
await import(main.href);
