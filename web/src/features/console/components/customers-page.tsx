import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CardLabel } from '../../../components/card-label';
import { TextField } from '../../../components/form-field';
import { formatDateTime } from '../../../lib/dates';
import { customersQuery } from '../api/customers';
import { Empty, SkeletonRows, TableScroll } from './console-ui';

export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q')?.trim() ?? '';
  const customers = useQuery(customersQuery(q));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('q') ?? '').trim();
    setParams(value ? { q: value } : {});
  }

  const list = customers.data?.data ?? [];
  return (
    <div>
      <title>Customers · Console · Paydeck</title>
      <h1>Customers</h1>
      <form
        key={q}
        className="filters filters--inline"
        role="search"
        aria-label="Customers"
        onSubmit={onSubmit}
      >
        <TextField
          label="Email or name"
          name="q"
          type="search"
          defaultValue={q}
          maxLength={200}
          hint="The whole email, or whole words of the name (they are encrypted: no partial match)"
        />
        <div className="form__actions">
          <Button type="submit">Find customers</Button>
        </div>
      </form>

      {customers.error ? (
        <ErrorAlert
          error={customers.error}
          title="Customers could not be loaded"
          onRetry={() => void customers.refetch()}
        />
      ) : null}
      {customers.data && list.length === 0 ? (
        <Empty>
          <p>
            {q
              ? `No customer has the email “${q}” or those words in their name.`
              : 'No customers yet.'}
          </p>
        </Empty>
      ) : null}
      {customers.isPending || list.length > 0 ? (
        <TableScroll label="Customers">
          <table className="data-table">
            <caption className="visually-hidden">Customers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Signed up</th>
                <th scope="col">Default card</th>
                <th scope="col">Payments</th>
              </tr>
            </thead>
            <tbody>
              {customers.isPending ? <SkeletonRows columns={5} /> : null}
              {list.map((customer) => (
                <tr key={customer.id} data-testid="customer-row">
                  <td className="wrap">{customer.name}</td>
                  <td className="wrap">{customer.email}</td>
                  <td>
                    <time dateTime={customer.created_at}>
                      {formatDateTime(customer.created_at)}
                    </time>
                  </td>
                  <td>
                    {customer.default_payment_method ? (
                      <CardLabel
                        brand={customer.default_payment_method.brand}
                        last4={customer.default_payment_method.last4}
                      />
                    ) : (
                      <span className="muted">None</span>
                    )}
                  </td>
                  <td>
                    <Link to={`/console/payments?email=${encodeURIComponent(customer.email)}`}>
                      Payments<span className="visually-hidden"> by {customer.email}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {customers.data?.has_more ? (
        <p className="muted">More customers match: narrow the search to see them.</p>
      ) : null}
    </div>
  );
}
