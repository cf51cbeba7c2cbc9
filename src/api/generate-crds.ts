/**
 * Writes the CRDs generated from the zod schemas into `crds/` (`npm run crds`). The unit test
 * `crds.test.ts` fails when the checked-in files differ from what this would write.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRDS_DIR, renderCrdFiles } from './crds.ts';

function main(): void {
  const files = renderCrdFiles();
  mkdirSync(CRDS_DIR, { recursive: true });
  // Remove generated files of kinds that no longer exist.
  for (const name of readdirSync(CRDS_DIR)) {
    if (name.endsWith('.bellwether.dev.yaml') && !files.has(name)) rmSync(join(CRDS_DIR, name));
  }
  for (const [name, content] of files) {
    writeFileSync(join(CRDS_DIR, name), content);
    console.log(`wrote crds/${name}`);
  }
}

main();
