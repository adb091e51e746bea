import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router/dom';
import { ErrorBoundary } from '../components/error-boundary';
import { createQueryClient } from '../lib/query-client';
import { StandaloneError } from './error-pages';
import { createRouter } from './router';

export function App() {
  // Created once per mount (not at module level) so tests can render isolated instances.
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(() => createRouter(queryClient));
  return (
    <ErrorBoundary fallback={(error) => <StandaloneError error={error} />}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ErrorBoundary>
  );
}
