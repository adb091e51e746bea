// `npm run bench`: every benchmark, one after the other, with its target. Benchmarks measure;
// they never fail the test suite. Payments and webhooks need DATABASE_URL (real PostgreSQL).
import { execFileSync } from 'node:child_process';
import { benchPayments } from './payments.ts';
import { benchWebhooks } from './webhooks.ts';

function runScript(script: string, args: string[] = []): void {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  } catch {
    console.log(`${script} reported a miss (see above).`);
  }
}

console.log('\n== Stripe simulator: added time per request (target < 1 ms)');
runScript('bench/simulator.ts', ['1000']);
console.log('\n== Checkout page JavaScript, gzip (target ≤ 100 KB)');
runScript('bench/checkout-bundle.ts');
if (process.env.DATABASE_URL) {
  console.log(
    '\n== Paying with a saved card (targets: ≥ 1,000/s, own share p50 ≤ 5 ms, p99 ≤ 20 ms, RSS ≤ 256 MB)',
  );
  console.log(JSON.stringify(await benchPayments(3000, 32), null, 2));
  console.log(
    '\n== Webhook intake and processing (targets: ≥ 5,000/s intake, ≥ 2,000/s processing)',
  );
  console.log(JSON.stringify(await benchWebhooks(10000, 32), null, 2));
} else {
  console.log('\nSet DATABASE_URL (a PostgreSQL server) for the payment and webhook benchmarks.');
}
