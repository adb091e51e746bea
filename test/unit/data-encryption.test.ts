import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRing, KeyRingError } from '../../src/lib/data-encryption.ts';

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const oldKey = keyText('old');
const newKey = keyText('new');

describe('the personal-data key ring', () => {
  it('when a value is encrypted, then it decrypts to itself and the stored text shows neither it nor the key', () => {
    const ring = KeyRing.parse(oldKey);
    const stored = ring.encrypt('ada@example.com', 'users.email');
    expect(stored).toMatch(/^pd1\.old\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain('ada');
    expect(ring.decrypt(stored, 'users.email')).toBe('ada@example.com');
    // A fresh IV each time: equal values are not equal ciphertexts.
    expect(ring.encrypt('ada@example.com', 'users.email')).not.toBe(stored);
    expect(ring.decrypt(ring.encrypt('', 'users.name'), 'users.name')).toBe('');
    expect(ring.decrypt(ring.encrypt('Zoë 李', 'users.name'), 'users.name')).toBe('Zoë 李');
  });

  it('when a ciphertext is moved to another column or altered by one character, then it does not decrypt', () => {
    const ring = KeyRing.parse(oldKey);
    const stored = ring.encrypt('ada@example.com', 'users.email');
    expect(() => ring.decrypt(stored, 'users.name')).toThrow(KeyRingError);
    const body = stored.slice('pd1.old.'.length);
    const flipped = `${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
    expect(() => ring.decrypt(`pd1.old.${flipped}`, 'users.email')).toThrow(
      /does not authenticate/,
    );
    expect(() => ring.decrypt('pd1.old.AAAA', 'users.email')).toThrow(/truncated/);
    expect(() => ring.decrypt('ada@example.com', 'users.email')).toThrow(/not an encrypted value/);
  });

  it('when the ring is rotated, then old values still decrypt, new ones use the new key, and a removed key is named', () => {
    const before = KeyRing.parse(oldKey);
    const stored = before.encrypt('ada@example.com', 'users.email');
    const during = KeyRing.parse(`${newKey},${oldKey}`);
    expect(during.activeKeyId).toBe('new');
    expect(during.keyIds).toEqual(['new', 'old']);
    expect(during.decrypt(stored, 'users.email')).toBe('ada@example.com');
    expect(during.isCurrent(stored)).toBe(false);
    const rotated = during.encrypt(during.decrypt(stored, 'users.email'), 'users.email');
    expect(during.isCurrent(rotated)).toBe(true);
    const after = KeyRing.parse(newKey);
    expect(after.decrypt(rotated, 'users.email')).toBe('ada@example.com');
    expect(() => after.decrypt(stored, 'users.email')).toThrow(/key "old", which is not in/);
  });

  it('when a blind index is computed, then it is stable, keyed, per context, and a lookup matches it under every key of the ring', () => {
    const ring = KeyRing.parse(oldKey);
    const index = ring.blindIndex('ada@example.com', 'users.email');
    expect(index).toMatch(/^old\.[A-Za-z0-9_-]{43}$/);
    expect(ring.blindIndex('ada@example.com', 'users.email')).toBe(index);
    expect(ring.blindIndex('bob@example.com', 'users.email')).not.toBe(index);
    expect(ring.blindIndex('ada@example.com', 'customers.email')).not.toBe(index);
    // Another key, same id: a different index (it is keyed, not a plain hash).
    expect(KeyRing.parse(keyText('old')).blindIndex('ada@example.com', 'users.email')).not.toBe(
      index,
    );
    const during = KeyRing.parse(`${newKey},${oldKey}`);
    const lookup = during.blindIndexes('ada@example.com', 'users.email');
    expect(lookup).toHaveLength(2);
    expect(lookup[0]).toBe(during.blindIndex('ada@example.com', 'users.email'));
    expect(lookup).toContain(index);
  });

  it('when DATA_ENCRYPTION_KEYS is malformed, then the message says what is wrong without the key', () => {
    const secret = randomBytes(16).toString('base64');
    const problems: Array<[string, RegExp]> = [
      ['', /no key/],
      [`k1:${secret}`, /must be 32 random bytes/],
      [randomBytes(32).toString('base64'), /expected id:base64key/],
      [`bad id!:${randomBytes(32).toString('base64')}`, /expected id:base64key/],
      [`${oldKey},${keyText('old')}`, /appears twice/],
    ];
    for (const [text, message] of problems) {
      let thrown: unknown;
      try {
        KeyRing.parse(text);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, text).toBeInstanceOf(KeyRingError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(secret);
    }
    expect(KeyRing.parse(KeyRing.generate('gen')).activeKeyId).toBe('gen');
  });
});
