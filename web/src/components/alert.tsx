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
      <p>{apiError.message}</p>
      {apiError.retryAfterSeconds ? (
        <p>Try again in {formatWait(apiError.retryAfterSeconds)}.</p>
      ) : null}
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

function formatWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
