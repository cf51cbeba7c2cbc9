import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.ts';

interface PackageJson {
  version: string;
}

/** The version in package.json: one place to bump on release. */
export const version: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as PackageJson
).version;
