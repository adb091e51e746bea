// The process's key ring for personal data at rest (ADR 027), and the few helpers repositories
// use to seal a value before writing it and open it after reading it.
//
// The ring is process configuration, like the logger's level: it is installed once at start-up
// (buildApp, openInfrastructure) from DATA_ENCRYPTION_KEYS or, outside live mode, from a key file
// generated into DATA_DIR. Repositories seal and open through it, so no domain service has to
// carry the ring around and every component's data access uses the same keys.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyRing } from './data-encryption.ts';

/** What a stored, sealed value starts with; anything else is plain text not converted yet. */
const SEALED_PREFIX = 'pd1.';

let installed: { source: string; ring: KeyRing } | undefined;

/** The file a key is generated into when DATA_ENCRYPTION_KEYS is unset (outside live mode). */
export function keyFileOf(dataDir: string): string {
  return path.join(dataDir, 'data-encryption-keys');
}

/**
 * Installs the ring from `keys` (DATA_ENCRYPTION_KEYS, already validated by loadConfig) or, when
 * unset, from DATA_DIR/data-encryption-keys, generating that file (mode 0600) the first time with
 * a warning naming it. Installing the same source again changes nothing.
 */
export function installKeyRing(
  settings: { dataEncryptionKeys: string | undefined; dataDir: string },
  warn: (message: string) => void,
): KeyRing {
  const source = settings.dataEncryptionKeys ?? `file:${path.resolve(settings.dataDir)}`;
  if (installed?.source === source) return installed.ring;
  let text = settings.dataEncryptionKeys;
  if (text === undefined) {
    const file = keyFileOf(settings.dataDir);
    // The path is the operator's DATA_DIR, never a request's.
    /* eslint-disable security/detect-non-literal-fs-filename */
    if (!existsSync(file)) {
      mkdirSync(settings.dataDir, { recursive: true });
      writeFileSync(file, `${KeyRing.generate()}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      warn(
        `DATA_ENCRYPTION_KEYS is unset: personal data is encrypted with a key generated into ${file}. ` +
          'Back that file up apart from the database, or set DATA_ENCRYPTION_KEYS (required in live mode).',
      );
    }
    text = readFileSync(file, 'utf8').trim();
    /* eslint-enable security/detect-non-literal-fs-filename */
  }
  const ring = KeyRing.parse(text);
  installed = { source, ring };
  return ring;
}

/** Installs a ring directly (tests, and keys:rotate's own checks). */
export function useKeyRing(ring: KeyRing): void {
  installed = { source: `ring:${ring.keyIds.join(',')}:${Math.random()}`, ring };
}

export function keyRing(): KeyRing {
  if (!installed)
    throw new Error('No data encryption key ring installed (installKeyRing at start-up).');
  return installed.ring;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/** The value encrypted under the active key, for the column named by `context`. */
export function seal(value: string, context: string): string;
export function seal(value: string | null, context: string): string | null;
export function seal(value: string | null, context: string): string | null {
  return value === null ? null : keyRing().encrypt(value, context);
}

/**
 * The plain value of a stored one. A value that is not sealed is returned as it is: rows written
 * before encryption read correctly until start-up (or keys:rotate) has converted them.
 */
export function open(stored: string, context: string): string;
export function open(stored: string | null, context: string): string | null;
export function open(stored: string | null, context: string): string | null {
  if (stored === null || !isSealed(stored)) return stored;
  return keyRing().decrypt(stored, context);
}

/** The blind index a row stores for `value` (under the active key). */
export function blindIndex(value: string, context: string): string {
  return keyRing().blindIndex(value, context);
}

/** What a lookup matches: `value`'s index under every key of the ring. */
export function blindIndexes(value: string, context: string): string[] {
  return keyRing().blindIndexes(value, context);
}

/** Whether a stored value needs re-encrypting: plain text, or under a key that is not active. */
export function needsResealing(stored: string): boolean {
  return !isSealed(stored) || !keyRing().isCurrent(stored);
}
