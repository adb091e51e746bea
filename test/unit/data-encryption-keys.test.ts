// DATA_ENCRYPTION_KEYS at start-up (ADR 027): live mode refuses to start without it, a bad ring
// is refused by name, and elsewhere an unset ring means one key generated once into DATA_DIR.
/* eslint-disable security/detect-non-literal-fs-filename -- this test's own temporary folder */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configProblems as problems,
  liveEnv as live,
  simulatedEnv as simulated,
} from '../helpers/config-env.ts';
import { loadConfig } from '../../src/config.ts';
import { installKeyRing, keyFileOf, open, seal } from '../../src/lib/personal-data.ts';

describe('DATA_ENCRYPTION_KEYS', () => {
  it('when live mode has none, then start-up is refused naming it', () => {
    const { DATA_ENCRYPTION_KEYS: _k, ...rest } = live;
    expect(problems(rest).map((p) => p.split(':')[0])).toEqual(['DATA_ENCRYPTION_KEYS']);
  });

  it('when the ring is malformed, then start-up is refused naming it, without echoing a key', () => {
    const found = problems({ ...simulated, DATA_ENCRYPTION_KEYS: 'k1:dG9vIHNob3J0' });
    expect(found).toEqual([expect.stringMatching(/^DATA_ENCRYPTION_KEYS: key "k1": must be 32/)]);
    expect(found.join()).not.toContain('dG9vIHNob3J0');
  });

  it('when it is set, then it is read', () => {
    expect(loadConfig(live).dataEncryptionKeys).toBe(live.DATA_ENCRYPTION_KEYS);
  });
});

describe('the key file of the embedded default', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('when no ring is configured, then a key is generated once into DATA_DIR (0600) with a warning naming the file, and read back on the next start', () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'paydeck-keys-')), 'data');
    dirs.push(path.dirname(dataDir));
    const warnings: string[] = [];
    const ring = installKeyRing({ dataEncryptionKeys: undefined, dataDir }, (m) =>
      warnings.push(m),
    );
    const file = keyFileOf(dataDir);
    expect(warnings).toEqual([expect.stringContaining(file)]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = seal('ada@example.test', 'users.email');
    expect(sealed.startsWith(`pd1.${ring.activeKeyId}.`)).toBe(true);

    // Another process (or a restart) of the same DATA_DIR: the same key, no new warning.
    const text = readFileSync(file, 'utf8');
    installKeyRing({ dataEncryptionKeys: text.trim(), dataDir: '/nowhere' }, (m) =>
      warnings.push(m),
    );
    expect(open(sealed, 'users.email')).toBe('ada@example.test');
    installKeyRing({ dataEncryptionKeys: undefined, dataDir }, (m) => warnings.push(m));
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(warnings).toHaveLength(1);
  });
});
