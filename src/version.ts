import { readFileSync } from 'node:fs';

interface PackageJson {
  version: string;
}

/** The version in package.json: one place to bump on release. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson
).version;
