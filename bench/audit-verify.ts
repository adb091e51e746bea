// `audit:verify` at scale (issue 14: 5,000,000 entries in ≤ 60 s, with a progress bar). Loads N
// audit entries shaped like the ones payments write (actors, actions, before/after objects, a
// third with an encrypted IP and its commitment) into a scratch database, seals them with the
// sealer the server runs, then times the verification `npm run audit:verify` runs.
//
//   DATABASE_URL=postgres://… tsx bench/audit-verify.ts [entries=5000000]
import { performance } from 'node:perf_hooks';
import { KeyRing } from '../src/lib/data-encryption.ts';
import { seal, useKeyRing } from '../src/lib/personal-data.ts';
import {
  CURRENT_HASH_VERSION,
  ipCommitment,
  sealAuditChain,
  verifyAuditChain,
} from '../src/modules/audit/audit-log.ts';
import { serverUrlFor, withScratchDatabase } from './growth-data.ts';

const IP = '203.0.113.7';
const SALT = 'f'.repeat(32);

/**
 * `n` unsealed entries of the current hash version. The IP ciphertext is one sealed value repeated: opening it
 * costs the same for every entry as opening n different ones.
 */
export const entriesSeed = (n: number, sealedIp: string, commitment: string) => `
INSERT INTO audit_entries (occurred_at, actor_type, actor_id, action, target_type, target_id,
  before, after, stripe_request_id, ip, request_id, hash_version, ip_salt, ip_commitment)
SELECT now() - (${n} - g) * (interval '365 days' / ${n}),
  (ARRAY['user', 'system', 'stripe', 'admin', 'api_key'])[1 + g % 5], 'actor_' || (g % 1000),
  (ARRAY['payment.created', 'payment.succeeded', 'order.paid', 'payment.failed',
    'refund.created'])[1 + g % 5],
  CASE WHEN g % 5 = 2 THEN 'order' WHEN g % 5 = 4 THEN 'refund' ELSE 'payment' END,
  md5('p' || g)::uuid::text,
  jsonb_build_object('status', 'creating', 'amount', g % 100000, 'currency', 'usd',
    'stripe_payment_intent_id', null),
  jsonb_build_object('status', 'succeeded', 'amount', g % 100000, 'currency', 'usd',
    'stripe_payment_intent_id', 'pi_' || md5(g::text), 'card', jsonb_build_object('brand', 'visa',
    'last4', '4242', 'exp_month', 12, 'exp_year', 2030)),
  CASE WHEN g % 5 = 1 THEN 'req_' || md5(g::text) END,
  CASE WHEN g % 3 = 0 THEN '${sealedIp}' END, 'req_' || g, ${CURRENT_HASH_VERSION},
  CASE WHEN g % 3 = 0 THEN '${SALT}' END, CASE WHEN g % 3 = 0 THEN '${commitment}' END
FROM generate_series(1, ${n}) g;
`;

export async function benchAuditVerify(entries: number) {
  useKeyRing(KeyRing.parse(KeyRing.generate('bench')));
  const sealedIp = seal(IP, 'audit_entries.ip');
  return withScratchDatabase(
    serverUrlFor('bench/audit-verify.ts'),
    'paydeck_bench_audit',
    async (s) => {
      let started = performance.now();
      // In slices, so that one statement's memory stays small whatever N is.
      for (let done = 0; done < entries; done += 500_000) {
        await s.loader.query(
          entriesSeed(Math.min(500_000, entries - done), sealedIp, ipCommitment(SALT, IP)),
        );
      }
      await s.loader.query('VACUUM ANALYZE audit_entries');
      const loadSeconds = (performance.now() - started) / 1000;

      started = performance.now();
      const { sealed } = await sealAuditChain(s.database.db, 10_000);
      const sealSeconds = (performance.now() - started) / 1000;

      started = performance.now();
      let last = 0;
      // The ranges `npm run audit:verify` checks (the default).
      const result = await verifyAuditChain(s.database.db, undefined, (checked) => {
        if (checked - last >= 500_000 || checked === entries) {
          last = checked;
          const seconds = (performance.now() - started) / 1000;
          console.error(`  verified ${checked}/${entries} in ${seconds.toFixed(1)} s`);
        }
      });
      const verifySeconds = (performance.now() - started) / 1000;
      if (!result.ok || result.checked !== entries)
        throw new Error(`verification did not pass: ${JSON.stringify(result)}`);
      return {
        entries,
        load_seconds: +loadSeconds.toFixed(1),
        sealer_entries_per_s: Math.round(sealed / sealSeconds),
        verify_seconds: +verifySeconds.toFixed(1),
        verify_entries_per_s: Math.round(entries / verifySeconds),
        seconds_for_5m: +((5_000_000 / entries) * verifySeconds).toFixed(1),
        targets: { seconds_for_5m: 60 },
      };
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const entries = Number(process.argv[2] ?? 5_000_000);
  console.log(JSON.stringify(await benchAuditVerify(entries), null, 2));
}
