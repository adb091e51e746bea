// `npm run admin:reset-mfa -- --email ops@example.com`: for an operator who lost the device with
// their authenticator app (and their recovery codes). Removes the account's second factor and
// recovery codes and ends all its sessions, audited as done by `system:admin-reset-mfa`. With
// OPERATOR_MFA=required the operator sets up a new second factor at their next sign-in (ADR 023).
// Whoever runs this has the server's database credentials: it is the administrators' path, not
// the console's. Exit code 0 reset, 1 could not run, 2 bad input, 3 no such account.
import { parseArgs } from 'node:util';
import { systemClock } from '../lib/clock.ts';
import { openServerInfrastructure, runMaintenanceCommand } from './server-infrastructure.ts';
import { SecondFactorService } from '../modules/auth/second-factor.ts';
import { SessionCache } from '../modules/auth/session-cache.ts';
import { SessionStore } from '../modules/auth/sessions.ts';
import { sealAuditChain } from '../modules/audit/audit-log.ts';

const USAGE = 'usage: npm run admin:reset-mfa -- --email <address>';

function ownArguments(): string[] {
  const at = process.argv.findIndex((a) => a.includes('admin-reset-mfa-main'));
  return process.argv.slice(at + 1);
}

async function run(): Promise<number> {
  let email: string | undefined;
  try {
    const { values } = parseArgs({
      args: ownArguments(),
      options: { email: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    email = values.email;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!email) {
    console.error(`Missing --email.\n${USAGE}`);
    return 2;
  }
  const { config, infra } = await openServerInfrastructure('admin_reset_mfa');
  try {
    const db = infra.database.db;
    const secondFactor = new SecondFactorService(
      db,
      systemClock,
      // With Redis, the running servers' cached copies of the ended sessions stop serving too.
      new SessionStore(db, systemClock, config.session, new SessionCache(systemClock, infra.redis)),
      config.operatorMfa,
    );
    const reset = await secondFactor.reset(email, { type: 'system', id: 'admin-reset-mfa' });
    if (!reset) {
      console.error(`No account has the email ${email}; nothing was changed.`);
      return 3;
    }
    await sealAuditChain(db);
    console.log(
      reset.removed
        ? `Second factor removed for ${reset.user.email}; ${reset.sessionsEnded} session(s) ended. ` +
            'They set up a new one at their next sign-in.'
        : `${reset.user.email} had no second factor; ${reset.sessionsEnded} session(s) ended.`,
    );
    return 0;
  } finally {
    await infra.close();
  }
}

runMaintenanceCommand('admin:reset-mfa', run);
