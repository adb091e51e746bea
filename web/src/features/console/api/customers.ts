import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { CustomerPage } from '../../../types/admin';

export const customersQuery = (q: string) =>
  queryOptions({
    queryKey: ['admin', 'customers', q] as const,
    queryFn: ({ signal }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (q) params.set('q', q);
      return api.get<CustomerPage>(`/api/admin/customers?${params.toString()}`, { signal });
    },
  });
