// Local stand-ins for where notifications go: an SMTP server that keeps every message (the
// `smtp-server` package, from nodemailer's authors) and an HTTP receiver for chat webhooks.
// Both listen on 127.0.0.1 with a free port, for tests that point SMTP_URL and ALERT_WEBHOOK_URL
// at them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
}

export async function startSmtpSink(): Promise<{
  url: string;
  messages: ReceivedMail[];
  /** While true, every message is refused with a temporary failure (451), as a busy server does. */
  setRefusing(refusing: boolean): void;
  close(): Promise<void>;
}> {
  const messages: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!refusing) return callback();
      callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    setRefusing(value) {
      refusing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The header block of a message or a MIME part, unfolded, lines by lower-cased name. */
function headersOf(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** One header of a received message, e.g. `Message-ID`. */
export function mailHeader(mail: ReceivedMail, name: string): string | undefined {
  const head = mail.raw.replace(/\r\n/g, '\n').split('\n\n')[0]!;
  return headersOf(head).get(name.toLowerCase());
}

/** The decoded body of a received message's `text/plain` or `text/html` part. */
export function mailPart(mail: ReceivedMail, type: 'text/plain' | 'text/html'): string {
  const parts = mail.raw.replace(/\r\n/g, '\n').split(/\n--[^\n]*\n/);
  for (const part of parts) {
    const blank = part.indexOf('\n\n');
    if (blank < 0) continue;
    const headers = headersOf(part.slice(0, blank));
    if (!headers.get('content-type')?.toLowerCase().startsWith(type)) continue;
    const body = part.slice(blank + 2);
    const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
    if (encoding === 'base64')
      return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
    if (encoding !== 'quoted-printable') return body;
    const bytes = body
      .replace(/=\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return '';
}

export async function startHttpReceiver(status = 200): Promise<{
  url: string;
  bodies: unknown[];
  setStatus(code: number): void;
  close(): Promise<void>;
}> {
  const bodies: unknown[] = [];
  let answer = status;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (answer < 300) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    bodies,
    setStatus(code) {
      answer = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
