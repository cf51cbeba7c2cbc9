/**
 * Writes the API reference generated from the CRDs into `docs/api.md` (`npm run docs:api`). The
 * unit test `api-docs.test.ts` fails when the checked-in file differs from what this would write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { resolveConfig } from 'prettier';
import { API_DOCS_PATH, formatApiDocs, renderApiDocs } from './api-docs.ts';
import { buildCrds } from './crds.ts';

async function main(): Promise<void> {
  const options = await resolveConfig(API_DOCS_PATH);
  const text = await formatApiDocs(renderApiDocs(buildCrds()), options);
  mkdirSync(dirname(API_DOCS_PATH), { recursive: true });
  writeFileSync(API_DOCS_PATH, text);
  console.log(`wrote ${relative(process.cwd(), API_DOCS_PATH)}`);
}

await main();
