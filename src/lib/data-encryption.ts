// Personal data at rest: AES-256-GCM under a key ring, and keyed blind indexes for lookups.
//
// A key ring is one or more 32-byte keys, each with a short id; the first is the active key (it
// encrypts and indexes), the others only decrypt and match, while `keys:rotate` moves everything
// to the active key. Each key is never used directly: HKDF derives one subkey for encryption and
// one for blind indexes, so the two uses can never be confused.
//
// A stored value reads `pd1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`. The context (for example
// `users.email`) is authenticated with it, so a ciphertext copied into another column or table does
// not decrypt there. A blind index reads `<key id>.<base64url(HMAC-SHA-256)>`, of the normalised
// value; a lookup matches the index under every key of the ring, so it keeps working while a
// rotation is half done.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'pd1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

interface RingKey {
  id: string;
  encryption: Buffer;
  index: Buffer;
}

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

function derive(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `paydeck ${purpose}`, KEY_BYTES));
}

export class KeyRing {
  private readonly keys: RingKey[];
  private readonly byId: Map<string, RingKey>;

  private constructor(keys: Array<{ id: string; key: Buffer }>) {
    this.keys = keys.map(({ id, key }) => ({
      id,
      encryption: derive(key, 'personal data encryption'),
      index: derive(key, 'personal data blind index'),
    }));
    this.byId = new Map(this.keys.map((k) => [k.id, k]));
  }

  /**
   * Reads `id:base64key,id:base64key` (the active key first), as in DATA_ENCRYPTION_KEYS.
   * Throws a KeyRingError saying what is wrong, never echoing a key.
   */
  static parse(text: string): KeyRing {
    const entries = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (entries.length === 0)
      throw new KeyRingError('no key: expected id:base64key[,id:base64key…]');
    const seen = new Set<string>();
    const keys = entries.map((entry, i) => {
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon);
      if (!KEY_ID.test(id))
        throw new KeyRingError(
          `key ${i + 1}: expected id:base64key, with an id of 1 to 16 letters, digits, - or _`,
        );
      if (seen.has(id)) throw new KeyRingError(`key id "${id}" appears twice`);
      seen.add(id);
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (key.length !== KEY_BYTES)
        throw new KeyRingError(
          `key "${id}": must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
        );
      return { id, key };
    });
    return new KeyRing(keys);
  }

  /** A new ring text with one fresh random key, for the embedded default's key file. */
  static generate(id = `k${Date.now().toString(36)}`): string {
    return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  /** The id of the key that encrypts and indexes. */
  get activeKeyId(): string {
    return this.keys[0]!.id;
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  encrypt(plain: string, context: string): string {
    const key = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encryption, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${key.id}.${Buffer.concat([iv, body]).toString('base64url')}`;
  }

  /** The plain text; throws a KeyRingError when the key is gone or the value was altered. */
  decrypt(stored: string, context: string): string {
    const { key, sealed } = this.open(stored);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new KeyRingError('a stored value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.encryption, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new KeyRingError(`a stored ${context} does not authenticate (altered, or moved)`);
    }
  }

  /** Whether a stored value was written under the active key (`keys:rotate` skips it then). */
  isCurrent(stored: string): boolean {
    return this.open(stored).key === this.keys[0];
  }

  /** The blind index under the active key: what a row stores beside its ciphertext. */
  blindIndex(value: string, context: string): string {
    return this.indexUnder(this.keys[0]!, value, context);
  }

  /** The blind index under every key of the ring: what a lookup matches (`= any(...)`). */
  blindIndexes(value: string, context: string): string[] {
    return this.keys.map((key) => this.indexUnder(key, value, context));
  }

  private indexUnder(key: RingKey, value: string, context: string): string {
    const mac = createHmac('sha256', key.index).update(`${context}\u0000${value}`).digest();
    return `${key.id}.${mac.toString('base64url')}`;
  }

  private open(stored: string): { key: RingKey; sealed: Buffer } {
    const [format, id, body, extra] = stored.split('.');
    if (format !== FORMAT || id === undefined || body === undefined || extra !== undefined)
      throw new KeyRingError('not an encrypted value');
    const key = this.byId.get(id);
    if (!key)
      throw new KeyRingError(
        `a value is encrypted under key "${id}", which is not in DATA_ENCRYPTION_KEYS`,
      );
    return { key, sealed: Buffer.from(body, 'base64url') };
  }
}
