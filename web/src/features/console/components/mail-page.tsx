// The Mail page: what the local catcher kept (no SMTP_URL), so a new user sees every message
// Paydeck sends (alerts to operators, emails to customers) without a mail server.
import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../../components/alert';
import { SkeletonText } from '../../../components/skeleton';
import { formatDateTime } from '../../../lib/dates';
import { caughtMailQuery } from '../api/alerts';
import { Empty } from './console-ui';

export function MailPage() {
  const mail = useQuery(caughtMailQuery);
  const list = mail.data?.data ?? [];
  return (
    <div>
      <title>Mail · Console · Paydeck</title>
      <div className="page-head">
        <h1>Mail</h1>
      </div>
      <p className="lead">
        {mail.data?.mailer === 'smtp'
          ? 'Mail is sent through your SMTP server (SMTP_URL); nothing is kept here.'
          : 'No SMTP server is configured (SMTP_URL), so the messages Paydeck would send are kept here instead.'}
      </p>
      {mail.error ? (
        <ErrorAlert
          error={mail.error}
          title="Mail could not be loaded"
          onRetry={() => void mail.refetch()}
        />
      ) : null}
      {mail.isPending ? (
        <div className="panel" role="status" aria-label="Loading mail…">
          <SkeletonText lines={3} />
        </div>
      ) : null}
      {mail.data && list.length === 0 ? (
        <Empty>
          <p>No message yet.</p>
        </Empty>
      ) : null}
      {list.map((m) => (
        <article
          key={m.id}
          className="panel"
          aria-labelledby={`mail-${m.id}`}
          data-testid="caught-mail"
        >
          <div className="panel__head">
            <h2 id={`mail-${m.id}`}>{m.subject}</h2>
            <time dateTime={m.created_at}>{formatDateTime(m.created_at)}</time>
          </div>
          <p className="cell-note">
            From {m.from} to {m.to}
          </p>
          <pre className="mail-text">{m.text}</pre>
        </article>
      ))}
    </div>
  );
}
