// Generates src/api/schema.ts from openapi.json with openapi-typescript's programmatic API (the same
// output as its CLI). `--stdout` prints instead of writing: the staleness test compares that with the
// committed file (jest cannot load openapi-typescript in-process: some of its dependencies are ESM-only).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const document = readFileSync(join(root, 'openapi.json'), 'utf8');
const types = `${COMMENT_HEADER}${astToString(await openapiTS(document))}`;
if (process.argv.includes('--stdout')) process.stdout.write(types);
else writeFileSync(join(root, 'src', 'api', 'schema.ts'), types);
