// The second factor's codes (ADR 023): a TOTP code is valid for its step and one step either
// side, never further; recovery codes are 16 characters of Crockford base32 whose typed variants
// (capitals, no dashes, O for 0, I or L for 1) hash the same; user agents get a short description.
import { describe, expect, it } from 'vitest';
import {
  codeAt,
  matchingStep,
  newRecoveryCode,
  newTotpSecret,
  otpauthUri,
  recoveryCodeHash,
} from '../../src/modules/auth/totp.ts';
import { describeUserAgent } from '../../src/modules/auth/user-agent.ts';

const at = new Date('2026-12-01T12:00:15Z');
const step = Math.floor(at.getTime() / 30_000);

describe('TOTP codes', () => {
  it('when a code is of this step or one step either side, then its step is returned; two steps away, it is refused', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(matchingStep(secret, codeAt(secret, at), at)).toBe(step);
    expect(matchingStep(secret, codeAt(secret, new Date(at.getTime() - 30_000)), at)).toBe(
      step - 1,
    );
    expect(matchingStep(secret, codeAt(secret, new Date(at.getTime() + 30_000)), at)).toBe(
      step + 1,
    );
    const far = codeAt(secret, new Date(at.getTime() + 90_000));
    const near = [-1, 0, 1].map((d) => codeAt(secret, new Date(at.getTime() + d * 30_000)));
    if (!near.includes(far)) expect(matchingStep(secret, far, at)).toBeUndefined();
  });

  it('when a code is not six digits, then it is refused without a lookup; spaces are ignored', () => {
    const secret = newTotpSecret();
    const code = codeAt(secret, at);
    expect(matchingStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, at)).toBe(step);
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`])
      expect(matchingStep(secret, bad, at)).toBeUndefined();
    expect(matchingStep(newTotpSecret(), code, at)).toBeUndefined();
  });

  it('when the otpauth URI is made, then it names Paydeck, the account and the secret', () => {
    const uri = otpauthUri('JBSWY3DPEHPK3PXP', 'ops@example.com');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Paydeck:ops%40example\.com\?/);
    expect(uri).toContain('secret=JBSWY3DPEHPK3PXP');
    expect(uri).toContain('issuer=Paydeck');
    expect(uri).toContain('digits=6');
    expect(uri).toContain('period=30');
  });
});

describe('recovery codes', () => {
  it('when codes are made, then each is 4 groups of 4 Crockford characters and they differ', () => {
    const codes = Array.from({ length: 50 }, newRecoveryCode);
    const group = '[0-9a-hjkmnp-tv-z]{4}';
    const shape = new RegExp(`^${group}-${group}-${group}-${group}$`);
    for (const code of codes) expect(code).toMatch(shape);
    expect(new Set(codes).size).toBe(50);
  });

  it('when a code is typed in capitals, without dashes or with O, I or L, then it hashes the same; another code does not', () => {
    const hash = recoveryCodeHash('0a1b-c2d3-e4f5-g6h7');
    expect(recoveryCodeHash('0A1B C2D3 E4F5 G6H7')).toBe(hash);
    expect(recoveryCodeHash('oa1bc2d3e4f5g6h7')).toBe(hash);
    expect(recoveryCodeHash('0aib-c2d3-e4f5-g6h7')).toBe(hash);
    expect(recoveryCodeHash('0alb-c2d3-e4f5-g6h7')).toBe(hash);
    expect(recoveryCodeHash('0a1b-c2d3-e4f5-g6h8')).not.toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('user agents in the sessions list', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 Edg/140.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    ['curl/8.5.0', 'curl'],
    [null, 'Unknown device'],
    ['something else', 'Unknown device'],
  ])('when the user agent is %s, then it reads %s', (userAgent, described) => {
    expect(describeUserAgent(userAgent)).toBe(described);
  });
});
