// The web app's API types (web/src/types/generated/api.ts) are generated from the server's OpenAPI
// document; this fails as soon as a route schema changes without them being generated again.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_TYPES_FILE,
  CLIENT_TYPES_FILE,
  buildOpenApiDocument,
  generateApiTypes,
  readCommittedApiTypes,
} from '../../scripts/api-types.ts';

/** Where two texts first differ, as "line N: committed … / generated …". */
function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  generated: ${b[at] ?? '(end of file)'}`;
}

describe('generated API types', () => {
  for (const [what, file] of [
    ['the web app', API_TYPES_FILE],
    ['the merchant SDK', CLIENT_TYPES_FILE],
  ] as const) {
    it(`when ${what}'s types are generated from the current route schemas, then they are the committed file`, async () => {
      const generated = await generateApiTypes(await buildOpenApiDocument(), file);
      const committed = readCommittedApiTypes(file);
      const name = path.relative(process.cwd(), file);
      if (committed === undefined) {
        expect.fail(`${name} does not exist: run npm run api:types`);
      }
      if (committed !== generated) {
        expect.fail(
          `${name} is stale (the server's schemas changed): run npm run api:types\n` +
            `First difference, ${firstDifference(committed, generated)}`,
        );
      }
      expect(generated).toContain('export interface components');
      // Building the app and running openapi-typescript takes seconds, more on a busy machine.
    }, 120_000);
  }

  it('when the SDK is generated, then it holds the merchant API and nothing of the console or the pages', async () => {
    const generated = await generateApiTypes(await buildOpenApiDocument(), CLIENT_TYPES_FILE);
    expect(generated).toContain("'/api/v1/orders/{id}/charge'");
    expect(generated).not.toMatch(/'\/api\/(admin|orders|auth)\b/);
  }, 120_000);
});
