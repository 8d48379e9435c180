// @vitest-environment node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');

/** The header the CLI writes above the types; the API itself starts after it. */
function body(source: string): string {
  return source.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
}

describe('generated API types', () => {
  it('match the committed backend/openapi.json (run `npm run api:generate -w frontend` after an API change)', async () => {
    const spec = JSON.parse(readFileSync(resolve(root, 'backend/openapi.json'), 'utf8')) as Parameters<
      typeof openapiTS
    >[0];
    const expected = astToString(await openapiTS(spec));
    const actual = readFileSync(resolve(root, 'frontend/src/api/generated/schema.d.ts'), 'utf8');
    expect(body(actual)).toBe(body(expected));
  }, 30_000);
});
