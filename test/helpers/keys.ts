// The key ring every test app of a run encrypts personal data with (ADR 027): one fixed key, so
// all the test files sharing the run's database read each other's rows, and the suite's final
// audit check can open the IPs it verifies. A real deployment generates its own (README, "Keys").

/** A ring text as DATA_ENCRYPTION_KEYS takes it: `id:` and 32 bytes in base64. */
export function ringKey(id: string, fill: string): string {
  return `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
}

export const TEST_DATA_ENCRYPTION_KEYS = ringKey('test', 'paydeck test key');
