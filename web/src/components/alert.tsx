import type { ReactNode } from 'react';
import { ApiError } from '../lib/api-client';

type Tone = 'error' | 'info' | 'success';

export interface AlertProps {
  tone?: Tone;
  title?: string;
  children?: ReactNode;
  /** Only messages that appear in response to the user's action should interrupt a screen reader. */
  live?: boolean;
}

export function Alert({ tone = 'info', title, children, live = tone === 'error' }: AlertProps) {
  const role = live ? (tone === 'error' ? 'alert' : 'status') : undefined;
  return (
    <div className={`alert alert--${tone}`} role={role}>
      {title ? <p className="alert__title">{title}</p> : null}
      {children}
    </div>
  );
}

export interface ErrorAlertProps {
  error: unknown;
  title?: string;
  /** Shown as a "Try again" button, e.g. to refetch a failed query. */
  onRetry?: () => void;
}

/** Any failure, in words a person can act on, with the request id for support in small print. */
export function ErrorAlert({ error, title, onRetry }: ErrorAlertProps) {
  const apiError = ApiError.from(error);
  return (
    <Alert tone="error" title={title}>
      <p>{messageWithWait(apiError)}</p>
      {onRetry || apiError.code === 'app_updated' ? (
        <p>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={onRetry ?? (() => window.location.reload())}
          >
            {onRetry ? 'Try again' : 'Reload page'}
          </button>
        </p>
      ) : null}
      {apiError.requestId ? (
        <p className="alert__meta">
          Request ID: <code>{apiError.requestId}</code>
        </p>
      ) : null}
    </Alert>
  );
}

// The server's own vague "try again later" gives way to the wait it announced in Retry-After.
const VAGUE_RETRIES = [
  'Try again later.',
  'Try again shortly.',
  'Retry shortly.',
  'Try again in a moment.',
];

/** "Too many requests. Try again in 60 minutes." — the message and the wait, said once. */
function messageWithWait(error: ApiError): string {
  if (!error.retryAfterSeconds) return error.message;
  const vague = VAGUE_RETRIES.find((ending) => error.message.endsWith(ending));
  const message = (vague ? error.message.slice(0, -vague.length) : error.message).trim();
  const wait = `Try again in ${formatWait(error.retryAfterSeconds)}.`;
  return message ? `${message} ${wait}` : wait;
}

function formatWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
