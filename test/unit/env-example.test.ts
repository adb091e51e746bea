// .env.example is the list of settings (README, STYLE.md §4): each variable src/config.ts reads
// is there with a comment, and a copy of it as .env starts Paydeck without a complaint.
import { describe, expect, it } from 'vitest';
import { parseEnv } from 'node:util';
import { loadConfig, settingNames } from '../../src/config.ts';
import { readRepoFile } from '../helpers/ops-files.ts';

const example = readRepoFile('.env.example');

describe('.env.example', () => {
  it('when src/config.ts reads a variable, then .env.example lists it after a comment', () => {
    const lines = example.split('\n');
    const undocumented = settingNames.filter((name) => {
      const at = lines.findIndex((line) => line.startsWith(`${name}=`));
      if (at < 0) return true;
      // The comment block above it may describe several variables at once.
      let above = at - 1;
      while (above >= 0 && /^[A-Z_]+=/.test(lines[above]!)) above--;
      return !lines[above]?.startsWith('#');
    });
    expect(undocumented).toEqual([]);
  });

  it('when .env.example is used as it is, then the configuration loads', () => {
    const values = parseEnv(example);
    expect(() =>
      loadConfig({
        ...values,
        // What `npm start` fills in for the simulator.
        STRIPE_SECRET_KEY: 'sk_test_example',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_example',
      }),
    ).not.toThrow();
  });
});
