// The short version of every chaos scenario (test/chaos), each on a fresh system with its own
// database, simulator and server process; `npm run chaos` runs them at full size.
import { describe, expect, it } from 'vitest';
import { SCENARIOS, SIZES, runScenario } from '../chaos/run.ts';

describe('chaos, short', () => {
  for (const { id } of SCENARIOS) {
    it(`when the ${id} scenario runs, then no invariant breaks and the money adds up`, async () => {
      const report = await runScenario(id, SIZES.short, process.env.DATABASE_URL);
      expect(
        [...report.problems, ...report.integrity.problems],
        JSON.stringify(report.figures),
      ).toEqual([]);
      expect(report.integrity.ok).toBe(true);
    }, 400_000);
  }
});
