// `npm run admin:create`: creates an operator account — the way to the first operator in
// production, where demo data is refused. Interactive on a terminal (the password is not echoed),
// or for scripts: `npm run admin:create -- --email ops@example.com --name "Ops" --password-stdin`
// with the password on standard input (never on the command line, where `ps` would show it).
// Exit code 0 created, 1 could not run, 2 bad input, 3 the email is taken.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { systemClock } from '../lib/clock.ts';
import { openServerInfrastructure, runMaintenanceCommand } from './server-infrastructure.ts';
import { AuthService } from '../modules/auth/service.ts';
import { SessionStore } from '../modules/auth/sessions.ts';
import { PASSWORD_MIN_LENGTH } from '../modules/auth/schemas.ts';
import { sealAuditChain } from '../modules/audit/audit-log.ts';

const USAGE = `usage: npm run admin:create [-- --email <address> --name <name> --password-stdin]
  On a terminal, asks for what is missing. The password must have at least ${PASSWORD_MIN_LENGTH} characters.`;

class InputError extends Error {}

/** The arguments after this entry point's own name (launch.mjs, tsx and node differ before it). */
function ownArguments(): string[] {
  const at = process.argv.findIndex((a) => a.includes('admin-create-main'));
  return process.argv.slice(at + 1);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; `secret` answers are not echoed. */
async function ask(question: string, secret = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = rl.question(question);
    muted = secret;
    const value = await answer;
    if (secret) process.stdout.write('\n');
    return value.trim();
  } finally {
    rl.close();
  }
}

async function readInput(): Promise<{ email: string; name: string; password: string }> {
  const { values } = parseArgs({
    args: ownArguments(),
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const interactive = process.stdin.isTTY === true && !values['password-stdin'];
  const email = values.email ?? (interactive ? await ask('Email: ') : undefined);
  const name = values.name ?? (interactive ? await ask('Name: ') : undefined);
  let password: string | undefined;
  if (values['password-stdin']) password = await readStdin();
  else if (interactive) {
    password = await ask('Password: ', true);
    // Two answers typed by the same person, not a secret checked against a stored one.
    // eslint-disable-next-line security/detect-possible-timing-attacks
    if ((await ask('Password again: ', true)) !== password)
      throw new InputError('The passwords differ.');
  }
  if (!email || !name || password === undefined)
    throw new InputError(`Missing ${!email ? '--email' : !name ? '--name' : '--password-stdin'}.`);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
    throw new InputError(`Not an email address: ${email}`);
  if (name.length > 120) throw new InputError('The name is longer than 120 characters.');
  if (password.length < PASSWORD_MIN_LENGTH || password.length > 256)
    throw new InputError(`The password needs ${PASSWORD_MIN_LENGTH} to 256 characters.`);
  return { email, name, password };
}

async function run(): Promise<number> {
  let input;
  try {
    input = await readInput();
  } catch (err) {
    if (
      err instanceof InputError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const { config, infra } = await openServerInfrastructure('admin_create');
  try {
    const db = infra.database.db;
    const auth = new AuthService(
      db,
      systemClock,
      new SessionStore(db, systemClock, config.session),
    );
    const user = await auth.createAccount({ ...input, role: 'admin' });
    if (!user) {
      console.error(
        `An account with the email ${input.email} exists already; nothing was changed.`,
      );
      return 3;
    }
    // The account's audit entry gets its place in the chain now, not when a server next runs.
    await sealAuditChain(db);
    console.log(
      `Operator created: ${user.email} (${user.id}). Sign in at ${config.publicUrl}/login.`,
    );
    return 0;
  } finally {
    await infra.close();
  }
}

runMaintenanceCommand('admin:create', run);
