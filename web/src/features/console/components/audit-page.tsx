import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { formatPreciseDateTime } from '../../../lib/dates';
import { auditQuery, useVerifyAudit } from '../api/audit';
import { Empty, humanize, Id, Pager, SkeletonRows, TableScroll } from './console-ui';

const PAGE_SIZE = 50;

export function AuditPage() {
  const [params] = useSearchParams();
  const after = params.get('after') ?? '';
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (/^\d+$/.test(after)) query.set('starting_after', after);
  const audit = useQuery(auditQuery(query));
  const verify = useVerifyAudit();
  const list = audit.data?.data ?? [];
  const last = list.at(-1);

  return (
    <div>
      <title>Audit log · Console · Paydeck</title>
      <div className="page-head">
        <h1>Audit log</h1>
        <Button variant="secondary" pending={verify.isPending} onClick={() => verify.mutate()}>
          Verify chain
        </Button>
      </div>
      <p className="lead">
        Every payment operation, who did it and from where. Within a second of being written, each
        entry is sealed into a hash chain with the one before it.
      </p>

      {verify.data ? (
        verify.data.ok ? (
          <Alert tone="success" live title="The audit chain is intact">
            <p>
              {verify.data.checked} entries checked; none was changed or removed.
              {verify.data.unsealed
                ? ` ${verify.data.unsealed} newer entries are waiting for their seal.`
                : ''}
            </p>
          </Alert>
        ) : (
          <Alert tone="error" title="The audit chain is broken">
            <p>
              {verify.data.first_broken
                ? `The first broken entry is #${verify.data.first_broken.id}: ${verify.data.first_broken.reason}.`
                : 'An entry was changed or removed.'}{' '}
              {verify.data.checked} entries checked. Treat this as a security incident.
            </p>
          </Alert>
        )
      ) : null}
      {verify.error ? (
        <ErrorAlert error={verify.error} title="The chain could not be verified" />
      ) : null}

      {audit.error ? (
        <ErrorAlert
          error={audit.error}
          title="The audit log could not be loaded"
          onRetry={() => void audit.refetch()}
        />
      ) : null}
      {audit.data && list.length === 0 ? (
        <Empty>
          <p>No entries yet.</p>
        </Empty>
      ) : null}
      {audit.isPending || list.length > 0 ? (
        <TableScroll label="Audit entries">
          <table className="data-table" aria-busy={audit.isFetching || undefined}>
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Stripe request / event</th>
              </tr>
            </thead>
            <tbody>
              {audit.isPending ? <SkeletonRows columns={6} /> : null}
              {list.map((entry) => (
                <tr key={entry.id} data-testid="audit-row">
                  <td className="num">{entry.id}</td>
                  <td>
                    <time dateTime={entry.occurred_at}>
                      {formatPreciseDateTime(entry.occurred_at)}
                    </time>
                  </td>
                  <td>
                    {humanize(entry.actor_type)}
                    {entry.actor_id ? (
                      <span className="cell-note">
                        <Id>{entry.actor_id}</Id>
                      </span>
                    ) : null}
                    {entry.ip ? <span className="cell-note">{entry.ip}</span> : null}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    {entry.target_type}
                    {entry.target_id ? (
                      <span className="cell-note">
                        <Id>{entry.target_id}</Id>
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <Id>{entry.stripe_request_id ?? entry.stripe_event_id}</Id>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <Pager
        label="Audit pages"
        previous={after ? { to: '?', label: 'Newest entries' } : null}
        next={
          audit.data?.has_more && last ? { to: `?after=${last.id}`, label: 'Older entries' } : null
        }
      />
    </div>
  );
}
