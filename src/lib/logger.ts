// Structured JSON logs (pino) with redaction. Secrets, tokens, cookies and personal data never
// reach a log line: the paths below are censored wherever they appear, and request/response
// serializers log only what an operator needs (method, url without query, status, ids).
import type { LoggerOptions } from 'pino';

export const redactedPaths = [
  'password',
  '*.password',
  'new_password',
  '*.new_password',
  'token',
  '*.token',
  'csrf_token',
  '*.csrf_token',
  'secret',
  '*.secret',
  'api_key',
  '*.api_key',
  'client_secret',
  '*.client_secret',
  'email',
  '*.email',
  'name',
  '*.name',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'set-cookie',
  '*["set-cookie"]',
  'sessionId',
  '*.sessionId',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'paydeck' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    serializers: {
      req(req: { method: string; url: string; id: string; ip?: string }) {
        // The query string can carry search terms (emails); keep the path only.
        return { method: req.method, url: req.url.split('?')[0], id: req.id };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}
