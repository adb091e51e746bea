import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ErrorAlert } from './components/alert';
import { ErrorBoundary } from './components/error-boundary';
import { CheckoutApp } from './features/checkout';
import './app/styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('checkout.html must contain <div id="root">');

createRoot(container).render(
  <StrictMode>
    <ErrorBoundary
      fallback={(error) => (
        <div className="standalone">
          <title>Checkout · Paydeck</title>
          <h1>The checkout could not be shown</h1>
          <ErrorAlert error={error} onRetry={() => window.location.reload()} />
        </div>
      )}
    >
      <CheckoutApp />
    </ErrorBoundary>
  </StrictMode>,
);
