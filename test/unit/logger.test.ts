import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/lib/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino(loggerOptions('info'), stream), lines };
}

describe('logging a failed query', () => {
  it('when a query with personal data fails, then the log keeps the SQL but none of its values', () => {
    const { log, lines } = capture();
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const err = Object.assign(
      new Error(
        'Failed query: select * from users where email = $1\nparams: alice@example.com,Alice Liddell',
        { cause },
      ),
      {
        query: 'select * from users where email = $1',
        params: ['alice@example.com', 'Alice Liddell'],
      },
    );
    log.warn({ err }, 'dependency unavailable');
    const line = lines.join('');
    expect(line).toContain('select * from users where email = $1');
    expect(line).toContain('ECONNREFUSED');
    expect(line).not.toContain('alice@example.com');
    expect(line).not.toContain('Alice Liddell');
  });
});
