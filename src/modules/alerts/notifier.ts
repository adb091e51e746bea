// Telling people: an alert event becomes an email (through the Mailer: SMTP, or the local
// catcher) and a chat message (Slack-compatible incoming-webhook JSON: `{"text": …}`, which
// Slack, Mattermost, Rocket.Chat and Google Chat accept).
import type { Mailer } from '../mail/mailer.ts';
import type { TransitionKind } from './state-machine.ts';

export interface AlertMessage {
  ruleId: string;
  title: string;
  severity: string;
  kind: TransitionKind;
  summary: string;
  runbook: string;
  at: Date;
  consoleUrl: string;
}

const headline: Record<TransitionKind, string> = {
  firing: 'FIRING',
  reminder: 'STILL FIRING',
  resolved: 'RESOLVED',
  pending: 'PENDING',
};

export function subjectOf(m: AlertMessage): string {
  return `[Paydeck ${headline[m.kind]}] ${m.title}`;
}

export function textOf(m: AlertMessage): string {
  return [
    `${headline[m.kind]} (${m.severity}): ${m.title}`,
    '',
    `${m.summary}.`,
    `At ${m.at.toISOString()}.`,
    ...(m.kind === 'resolved' ? [] : ['', `What to do: ${m.runbook}`]),
    '',
    `Acknowledge or silence it: ${m.consoleUrl}`,
  ].join('\n');
}

/** How long a chat webhook may take to answer. */
const WEBHOOK_TIMEOUT_MS = 5000;

export interface AlertChannels {
  mailer: Mailer | undefined;
  /** Fixed recipients (ALERT_EMAIL_TO); when empty, the operators' own addresses. */
  emailTo: string[];
  webhookUrl: string | undefined;
}

export async function sendEmail(
  mailer: Mailer,
  to: string[],
  message: AlertMessage,
): Promise<void> {
  if (!to.length) throw new Error('no recipient: set ALERT_EMAIL_TO or create an operator');
  await mailer.send({ to, subject: subjectOf(message), text: textOf(message) });
}

export async function postToChat(url: string, message: AlertMessage): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: `*${subjectOf(message)}*\n${textOf(message)}` }),
    redirect: 'error',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  // The answer's body is not needed; read it so the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the chat webhook answered ${response.status}`);
}
