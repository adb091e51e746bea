import { useQuery } from '@tanstack/react-query';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { SkeletonText } from '../../../components/skeleton';
import { formatDateTime } from '../../../lib/dates';
import { sessionsQuery, useRevokeOtherSessions, useRevokeSession } from '../api/security';

/** Where this account is signed in; any session can be ended, and every other one at once. */
export function SessionsPanel() {
  const sessions = useQuery(sessionsQuery);
  const revoke = useRevokeSession();
  const revokeOthers = useRevokeOtherSessions();
  const list = sessions.data?.data ?? [];
  const others = list.filter((s) => !s.current).length;

  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p className="muted">
        Where your account is signed in. End any session you do not recognise, then change your
        password.
      </p>
      {sessions.error ? (
        <ErrorAlert
          error={sessions.error}
          title="Sessions could not be loaded"
          onRetry={() => void sessions.refetch()}
        />
      ) : null}
      {revoke.error ? <ErrorAlert error={revoke.error} title="The session was not ended" /> : null}
      {revokeOthers.data ? (
        <Alert tone="success" live>
          {revokeOthers.data.sessions_ended === 1
            ? '1 other session was ended.'
            : `${revokeOthers.data.sessions_ended} other sessions were ended.`}
        </Alert>
      ) : null}
      {sessions.isPending ? <SkeletonText lines={2} /> : null}
      <ul className="sessions" aria-label="Signed-in sessions">
        {list.map((session) => (
          <li key={session.id} className="sessions__item">
            <div>
              <strong>{session.device}</strong>
              {session.current ? (
                <>
                  {' '}
                  <span className="badge">This session</span>
                </>
              ) : null}
              {session.awaiting_second_factor ? (
                <>
                  {' '}
                  <span className="badge">Password given, code not entered</span>
                </>
              ) : null}
              <p className="muted">
                Signed in {formatDateTime(session.created_at)} · last seen{' '}
                {formatDateTime(session.last_seen_at)}
                {session.ip ? ` · ${session.ip}` : ''}
              </p>
            </div>
            <Button
              variant="secondary"
              pending={revoke.isPending && revoke.variables?.id === session.id}
              aria-label={
                session.current
                  ? 'End this session'
                  : `End session: ${session.device}, signed in ${formatDateTime(session.created_at)}`
              }
              onClick={() => revoke.mutate(session)}
            >
              {session.current ? 'End this session' : 'End session'}
            </Button>
          </li>
        ))}
      </ul>
      {others > 0 ? (
        <Button
          variant="secondary"
          pending={revokeOthers.isPending}
          onClick={() => revokeOthers.mutate()}
        >
          End all other sessions
        </Button>
      ) : null}
    </section>
  );
}
