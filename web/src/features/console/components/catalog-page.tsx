import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CheckboxField, TextField } from '../../../components/form-field';
import { SelectField } from '../../../components/select-field';
import { toFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { formatMoney, parseMoney, toMajorText } from '../../../lib/money';
import type { Currency, Product } from '../../../types/api';
import { adminProductsQuery, useSaveProduct } from '../api/catalog';
import { Empty, SkeletonRows, TableScroll } from './console-ui';

/** A few common ones; the server holds the full list and names a currency it refuses. */
const COMMON_CURRENCIES: readonly Currency[] = ['usd', 'eur', 'gbp', 'cad', 'aud', 'chf', 'jpy'];
const CURRENCIES = COMMON_CURRENCIES.map((code) => ({
  value: code,
  label: code.toUpperCase(),
}));
const FIELDS = ['name', 'description', 'unit_amount', 'currency', 'active'] as const;
type Field = (typeof FIELDS)[number];

export function CatalogPage() {
  const products = useQuery(adminProductsQuery);
  // null: the "add" form; a product: editing it.
  const [editing, setEditing] = useState<Product | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const list = products.data?.data ?? [];

  return (
    <div>
      <title>Catalog · Console · Paydeck</title>
      <h1>Catalog</h1>
      <p className="lead">
        What customers can buy. Price changes apply to new orders; placed orders keep their prices.
      </p>
      {notice ? (
        <Alert tone="success" live>
          {notice}
        </Alert>
      ) : null}

      {products.error ? (
        <ErrorAlert
          error={products.error}
          title="Products could not be loaded"
          onRetry={() => void products.refetch()}
        />
      ) : null}
      {products.data && list.length === 0 ? (
        <Empty>
          <p>No products yet. Add the first one below.</p>
        </Empty>
      ) : null}
      {products.isPending || list.length > 0 ? (
        <TableScroll label="Products">
          <table className="data-table">
            <caption className="visually-hidden">Products</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col">For sale</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {products.isPending ? <SkeletonRows columns={4} /> : null}
              {list.map((product) => (
                <tr key={product.id} data-testid="product-row">
                  <td className="wrap">
                    {product.name}
                    {product.description ? (
                      <span className="cell-note">{product.description}</span>
                    ) : null}
                  </td>
                  <td className="num">{formatMoney(product.unit_amount, product.currency)}</td>
                  <td>{product.active ? 'Yes' : <span className="muted">Hidden</span>}</td>
                  <td>
                    <Button
                      variant="quiet"
                      onClick={() => {
                        setNotice(null);
                        setEditing(product);
                      }}
                    >
                      Edit<span className="visually-hidden"> {product.name}</span>
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}

      <ProductForm
        key={editing?.id ?? 'new'}
        product={editing}
        onDone={(saved, created) => {
          setEditing(null);
          setNotice(`${saved.name} was ${created ? 'added' : 'saved'}.`);
        }}
        onCancel={() => setEditing(null)}
      />
    </div>
  );
}

function ProductForm({
  product,
  onDone,
  onCancel,
}: {
  product: Product | null;
  onDone: (product: Product, created: boolean) => void;
  onCancel: () => void;
}) {
  const save = useSaveProduct();
  const [errors, setErrors] = useState<FormErrors<Field>>({ fields: {}, form: null });
  const headingId = product ? 'product-form-edit' : 'product-form-new';

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    // One of the select's options: a common currency, or the product's own (the server accepted it).
    const currency = String(form.get('currency') ?? 'usd') as Currency;
    const amount = parseMoney(String(form.get('unit_amount') ?? ''), currency);
    const name = String(form.get('name') ?? '').trim();
    const fields: FormErrors<Field>['fields'] = {};
    if (!name) fields.name = 'Enter a name.';
    if (amount === null || amount <= 0)
      fields.unit_amount = `Enter a price like ${toMajorText(2400, currency)}.`;
    if (fields.name || fields.unit_amount) {
      setErrors({ fields, form: null });
      const first = FIELDS.find((field) => fields[field]);
      const element = first ? formElement.elements.namedItem(first) : null;
      if (element instanceof HTMLElement) element.focus();
      return;
    }
    setErrors({ fields: {}, form: null });
    save.mutate(
      {
        id: product?.id ?? null,
        input: {
          name,
          description: String(form.get('description') ?? '').trim(),
          unit_amount: amount ?? 0,
          currency,
          active: form.get('active') === 'on',
        },
      },
      {
        onSuccess: (saved) => {
          if (!product) formElement.reset();
          onDone(saved, !product);
        },
        onError: (error) => setErrors(toFormErrors(error, FIELDS)),
      },
    );
  }

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{product ? `Edit ${product.name}` : 'Add a product'}</h2>
      {errors.form ? (
        <ErrorAlert error={errors.form} title="The product could not be saved" />
      ) : null}
      <form className="form form--narrow" onSubmit={onSubmit} noValidate>
        <TextField
          label="Name"
          name="name"
          defaultValue={product?.name ?? ''}
          maxLength={120}
          required
          error={errors.fields.name}
          // Editing starts from the table: take the keyboard to the form.
          autoFocus={product !== null}
        />
        <TextField
          label="Description"
          name="description"
          defaultValue={product?.description ?? ''}
          maxLength={1000}
          error={errors.fields.description}
        />
        <TextField
          label="Price"
          name="unit_amount"
          inputMode="decimal"
          autoComplete="off"
          defaultValue={product ? toMajorText(product.unit_amount, product.currency) : ''}
          hint="In the currency below, e.g. 24.00"
          required
          error={errors.fields.unit_amount}
        />
        <SelectField
          label="Currency"
          name="currency"
          defaultValue={product?.currency ?? 'usd'}
          options={
            product && !CURRENCIES.some((c) => c.value === product.currency)
              ? [...CURRENCIES, { value: product.currency, label: product.currency.toUpperCase() }]
              : CURRENCIES
          }
          error={errors.fields.currency}
        />
        <CheckboxField
          label="For sale in the shop"
          name="active"
          defaultChecked={product?.active ?? true}
        />
        <div className="form__actions">
          <Button type="submit" pending={save.isPending}>
            {product ? 'Save changes' : 'Add product'}
          </Button>
          {product ? (
            <Button variant="secondary" onClick={onCancel}>
              Cancel
            </Button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
