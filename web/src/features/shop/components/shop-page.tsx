import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { Skeleton, SkeletonText } from '../../../components/skeleton';
import { formatMoney } from '../../../lib/money';
import type { Product } from '../../../types/api';
import { catalogQuery, useCreateOrder } from '../api/shop';
import type { OrderLine } from '../api/shop';

const MAX_QUANTITY = 100;

type Quantities = Record<string, number>;

export function ShopPage() {
  const catalog = useQuery(catalogQuery);
  const [quantities, setQuantities] = useState<Quantities>({});
  const products = catalog.data?.data.filter((product) => product.active) ?? [];

  return (
    <div className="shop">
      <title>Shop · Paydeck</title>
      <h1>Shop</h1>
      <p className="lead">Choose what you would like; you pay on the next page.</p>
      <div className="shop__layout">
        <section aria-labelledby="products-heading">
          <h2 id="products-heading" className="visually-hidden">
            Products
          </h2>
          {catalog.isPending ? <ProductGridSkeleton /> : null}
          {catalog.error ? (
            <ErrorAlert
              error={catalog.error}
              title="The products could not be loaded"
              onRetry={() => void catalog.refetch()}
            />
          ) : null}
          {catalog.data && products.length === 0 ? (
            <Alert>There is nothing for sale right now. Come back later.</Alert>
          ) : null}
          {products.length > 0 ? (
            <ul className="products">
              {products.map((product) => (
                <ProductCard
                  key={product.id}
                  product={product}
                  quantity={quantities[product.id] ?? 0}
                  onQuantity={(quantity) =>
                    setQuantities((current) => ({ ...current, [product.id]: quantity }))
                  }
                />
              ))}
            </ul>
          ) : null}
        </section>
        <OrderSummary products={products} quantities={quantities} loading={catalog.isPending} />
      </div>
    </div>
  );
}

function ProductCard({
  product,
  quantity,
  onQuantity,
}: {
  product: Product;
  quantity: number;
  onQuantity: (quantity: number) => void;
}) {
  const id = useId();
  const set = (value: number) =>
    onQuantity(Math.min(MAX_QUANTITY, Math.max(0, Math.trunc(value) || 0)));
  return (
    <li className={quantity > 0 ? 'product product--chosen' : 'product'}>
      <h3 className="product__name">{product.name}</h3>
      {product.description ? <p className="product__description">{product.description}</p> : null}
      <p className="product__price">{formatMoney(product.unit_amount, product.currency)}</p>
      <div className="quantity">
        <label className="quantity__label" htmlFor={`${id}-qty`}>
          Quantity<span className="visually-hidden"> of {product.name}</span>
        </label>
        <div className="quantity__controls">
          <button
            type="button"
            className="button button--secondary button--small quantity__step"
            onClick={() => set(quantity - 1)}
            disabled={quantity <= 0}
            aria-label={`One fewer ${product.name}`}
          >
            −
          </button>
          <input
            id={`${id}-qty`}
            className="field__input quantity__input"
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_QUANTITY}
            value={quantity}
            onChange={(event) => set(event.currentTarget.valueAsNumber)}
          />
          <button
            type="button"
            className="button button--secondary button--small quantity__step"
            onClick={() => set(quantity + 1)}
            disabled={quantity >= MAX_QUANTITY}
            aria-label={`One more ${product.name}`}
          >
            +
          </button>
        </div>
      </div>
    </li>
  );
}

function OrderSummary({
  products,
  quantities,
  loading,
}: {
  products: Product[];
  quantities: Quantities;
  loading: boolean;
}) {
  const createOrder = useCreateOrder();
  const lines = products
    .map((product) => ({ product, quantity: quantities[product.id] ?? 0 }))
    .filter((line) => line.quantity > 0);
  const currencies = [...new Set(lines.map((line) => line.product.currency))];
  // Integer minor units: an exact sum. The server prices the order again; this is a preview.
  const total = lines.reduce((sum, line) => sum + line.product.unit_amount * line.quantity, 0);
  const mixed = currencies.length > 1;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (lines.length === 0 || mixed) return;
    const items: OrderLine[] = lines.map((line) => ({
      product_id: line.product.id,
      quantity: line.quantity,
    }));
    createOrder.mutate(items, {
      // Checkout is its own small page (see web/checkout.html), so this is a full navigation.
      onSuccess: (order) => window.location.assign(`/checkout/${order.id}`),
    });
  }

  return (
    <aside className="summary" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Your order</h2>
      {loading ? (
        <SkeletonText lines={3} />
      ) : lines.length === 0 ? (
        <p className="summary__empty">Nothing chosen yet. Set a quantity to add a product.</p>
      ) : (
        <ul className="summary__lines" aria-live="polite">
          {lines.map(({ product, quantity }) => (
            <li key={product.id} className="summary__line">
              <span>
                {quantity} × {product.name}
              </span>
              <span>{formatMoney(product.unit_amount * quantity, product.currency)}</span>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={handleSubmit}>
        {mixed ? (
          <Alert tone="error" live>
            These products are priced in different currencies. Order them separately.
          </Alert>
        ) : null}
        <p className="summary__total">
          <span>Total</span>
          <span data-testid="shop-total">
            {lines.length > 0 && !mixed ? formatMoney(total, currencies[0] ?? 'usd') : '—'}
          </span>
        </p>
        {createOrder.error ? (
          <ErrorAlert error={createOrder.error} title="Could not create your order" />
        ) : null}
        <Button
          type="submit"
          className="button--block"
          pending={createOrder.isPending || createOrder.isSuccess}
          disabled={lines.length === 0 || mixed}
        >
          Checkout
        </Button>
        <p className="summary__note">Prices are confirmed by Paydeck when the order is created.</p>
      </form>
    </aside>
  );
}

function ProductGridSkeleton() {
  return (
    <ul className="products" role="status" aria-label="Loading products…">
      {Array.from({ length: 4 }, (_, index) => (
        <li key={index} className="product">
          <Skeleton size="short" />
          <SkeletonText lines={2} />
          <Skeleton size="name" />
        </li>
      ))}
    </ul>
  );
}
