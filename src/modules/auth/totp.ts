// TOTP (RFC 6238) codes and one-time recovery codes for operators' second factor (ADR 023).
// The otpauth library computes the codes; this file fixes the parameters every authenticator
// app understands (SHA-1, 6 digits, 30 s) and turns a valid code into its time step, so that a
// step once used is never accepted again.
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { sha256Hex } from '../../lib/crypto.ts';

const PERIOD_SECONDS = 30;
/** Codes of the previous and the next step are accepted too: phone clocks drift. */
const DRIFT_STEPS = 1;
const ISSUER = 'Paydeck';
export const RECOVERY_CODE_COUNT = 10;

function totp(secret: string, label = 'operator'): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** A new 160-bit secret, base32 as authenticator apps take it when typed. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUri(secret: string, account: string): string {
  return totp(secret, account).toString();
}

/** The QR code of the otpauth:// URI, as an SVG document. */
export function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}

/** The time step whose code this is, if it is valid at `now` (± one step); else undefined. */
export function matchingStep(secret: string, code: string, now: Date): number | undefined {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totp(secret).validate({ token, timestamp: now.getTime(), window: DRIFT_STEPS });
  if (delta === null) return undefined;
  return Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}

/** The code of a secret at a time (tests and tooling; the server only ever checks codes). */
export function codeAt(secret: string, at: Date): string {
  return totp(secret).generate({ timestamp: at.getTime() });
}

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A recovery code: 80 random bits as xxxx-xxxx-xxxx-xxxx. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/**
 * What is stored of a recovery code: the SHA-256 of its normalised form. 80 random bits need no
 * slow hash to resist guessing from a stolen database.
 */
export function recoveryCodeHash(code: string): string {
  const normalised = code
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/[o]/g, '0')
    .replace(/[il]/g, '1');
  return sha256Hex(`recovery:${normalised}`);
}
