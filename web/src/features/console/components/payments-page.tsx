import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { SelectField } from '../../../components/select-field';
import { StatusBadge, statusLabel } from '../../../components/status-badge';
import { formatDateTime } from '../../../lib/dates';
import { formatMoney, parseMoney } from '../../../lib/money';
import { PAYMENT_STATUSES } from '../../../types/admin';
import { PAGE_SIZE, paymentsQuery } from '../api/payments';
import { Empty, Pager, SkeletonRows, TableScroll } from './console-ui';

// The page's address holds the filters as the operator typed them (dates, major-unit amounts),
// so a filtered list can be bookmarked or shared; they are converted for the API below.
const FILTERS = [
  'q',
  'status',
  'from',
  'to',
  'amount_min',
  'amount_max',
  'email',
  'decline_code',
] as const;
type Filter = (typeof FILTERS)[number];

/**
 * Payments of every currency share one amount filter; it is read in a two-decimal currency's
 * units (12.50 → 1250 minor units), which is what the shop sells in.
 */
const FILTER_CURRENCY = 'usd';

const STATUS_OPTIONS = [
  { value: '', label: 'Any status' },
  ...PAYMENT_STATUSES.map((status) => ({ value: status, label: statusLabel('payment', status) })),
];

type FieldErrors = Partial<Record<Filter, string>>;

function validate(values: Record<Filter, string>): FieldErrors {
  const errors: FieldErrors = {};
  for (const name of ['amount_min', 'amount_max'] as const) {
    if (values[name] && parseMoney(values[name], FILTER_CURRENCY) === null)
      errors[name] = 'Enter an amount like 12.50.';
  }
  if (values.from && values.to && values.from > values.to)
    errors.to = 'The end date is before the start date.';
  return errors;
}

/** URL filters → the API's query: minor units, and whole local days as ISO instants. */
function apiQuery(params: URLSearchParams, page: number): URLSearchParams {
  const query = new URLSearchParams({
    limit: String(PAGE_SIZE),
    offset: String((page - 1) * PAGE_SIZE),
  });
  const copy = (from: Filter, to: string) => {
    const value = params.get(from)?.trim();
    if (value) query.set(to, value);
  };
  copy('q', 'q');
  copy('status', 'status');
  copy('email', 'customer_email');
  copy('decline_code', 'decline_code');
  const from = params.get('from');
  const to = params.get('to');
  if (from) query.set('created_gte', new Date(`${from}T00:00:00`).toISOString());
  if (to) query.set('created_lte', new Date(`${to}T23:59:59.999`).toISOString());
  const min = parseMoney(params.get('amount_min') ?? '', FILTER_CURRENCY);
  const max = parseMoney(params.get('amount_max') ?? '', FILTER_CURRENCY);
  if (min !== null) query.set('amount_gte', String(min));
  if (max !== null) query.set('amount_lte', String(max));
  return query;
}

export function PaymentsPage() {
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const payments = useQuery(paymentsQuery(apiQuery(params, page)));
  const data = payments.data;
  const filtered = FILTERS.some((name) => params.get(name));

  const pageLink = (target: number) => {
    const next = new URLSearchParams(params);
    if (target <= 1) next.delete('page');
    else next.set('page', String(target));
    return `?${next.toString()}`;
  };
  const first = (page - 1) * PAGE_SIZE + 1;

  return (
    <div>
      <title>Payments · Console · Paydeck</title>
      <h1>Payments</h1>
      {/* Keyed by the address, so Back/Forward and links refill the form. */}
      <PaymentFilters key={params.toString()} />

      {payments.error ? (
        <ErrorAlert
          error={payments.error}
          title="Payments could not be loaded"
          onRetry={() => void payments.refetch()}
        />
      ) : null}

      {data && data.total === 0 ? (
        <Empty>
          <p>{filtered ? 'No payments match these filters.' : 'No payments yet.'}</p>
          {filtered ? (
            <Link to="/console/payments" className="button button--secondary button--small">
              Clear filters
            </Link>
          ) : null}
        </Empty>
      ) : null}

      {payments.isPending || (data && data.total > 0) ? (
        <>
          <TableScroll label="Payments">
            <table className="data-table" aria-busy={payments.isFetching || undefined}>
              <caption className="visually-hidden">Payments, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Customer</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Decline code</th>
                </tr>
              </thead>
              <tbody>
                {payments.isPending ? <SkeletonRows columns={6} /> : null}
                {data?.data.map((payment) => (
                  // The time, the id, the customer and the amount all open the payment: an operator
                  // scanning for one of them clicks what they found. One tab stop per row.
                  <tr key={payment.id} data-testid="payment-row">
                    <td>
                      <Link to={`/console/payments/${payment.id}`}>
                        <time dateTime={payment.created_at}>
                          {formatDateTime(payment.created_at)}
                        </time>
                      </Link>
                    </td>
                    <td>
                      <Link to={`/console/payments/${payment.id}`} tabIndex={-1} title={payment.id}>
                        <code className="id">{payment.id.slice(0, 8)}</code>
                      </Link>
                    </td>
                    <td className="wrap">
                      <Link to={`/console/payments/${payment.id}`} tabIndex={-1}>
                        {payment.customer_email ?? <span className="muted">Deleted customer</span>}
                      </Link>
                    </td>
                    <td className="num">
                      <Link to={`/console/payments/${payment.id}`} tabIndex={-1}>
                        {formatMoney(payment.amount, payment.currency)}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge kind="payment" status={payment.status} />
                      {payment.amount_refunded > 0 ? (
                        <span className="cell-note">
                          {formatMoney(payment.amount_refunded, payment.currency)} refunded
                        </span>
                      ) : null}
                    </td>
                    <td>
                      {payment.decline_code ? (
                        <code>{payment.decline_code}</code>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {data ? (
            <Pager
              label="Payment pages"
              summary={`Showing ${first}–${first + data.data.length - 1} of ${data.total.toLocaleString('en-US')}${data.total_capped ? '+' : ''}`}
              previous={page > 1 ? { to: pageLink(page - 1), label: 'Previous page' } : null}
              next={data.has_more ? { to: pageLink(page + 1), label: 'Next page' } : null}
            />
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function PaymentFilters() {
  const [params, setParams] = useSearchParams();
  const [errors, setErrors] = useState<FieldErrors>({});
  const value = (name: Filter) => params.get(name) ?? '';

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const values = Object.fromEntries(
      FILTERS.map((name) => [name, String(form.get(name) ?? '').trim()]),
    ) as Record<Filter, string>;
    const found = validate(values);
    setErrors(found);
    const firstInvalid = FILTERS.find((name) => found[name]);
    if (firstInvalid) {
      const element = event.currentTarget.elements.namedItem(firstInvalid);
      if (element instanceof HTMLElement) element.focus();
      return;
    }
    const next = new URLSearchParams();
    for (const name of FILTERS) if (values[name]) next.set(name, values[name]);
    setParams(next);
  }

  return (
    <form className="filters" role="search" aria-label="Payments" onSubmit={onSubmit} noValidate>
      <div className="filters__search">
        <TextField
          label="Search"
          name="q"
          type="search"
          defaultValue={value('q')}
          hint="Payment or order id, pi_… id, or the customer’s whole email or name words"
          maxLength={200}
        />
      </div>
      <div className="filters__grid">
        <SelectField
          label="Status"
          name="status"
          defaultValue={value('status')}
          options={STATUS_OPTIONS}
        />
        <TextField label="Created from" name="from" type="date" defaultValue={value('from')} />
        <TextField
          label="Created to"
          name="to"
          type="date"
          defaultValue={value('to')}
          error={errors.to}
        />
        <TextField
          label="Minimum amount"
          name="amount_min"
          inputMode="decimal"
          placeholder="0.00"
          defaultValue={value('amount_min')}
          error={errors.amount_min}
        />
        <TextField
          label="Maximum amount"
          name="amount_max"
          inputMode="decimal"
          placeholder="0.00"
          defaultValue={value('amount_max')}
          error={errors.amount_max}
        />
        <TextField
          label="Customer email"
          name="email"
          type="search"
          defaultValue={value('email')}
          maxLength={254}
        />
        <TextField
          label="Decline code"
          name="decline_code"
          type="search"
          defaultValue={value('decline_code')}
          maxLength={100}
        />
      </div>
      <div className="form__actions">
        <Button type="submit">Apply filters</Button>
        <Link to="/console/payments" className="button button--secondary">
          Clear
        </Link>
      </div>
    </form>
  );
}
