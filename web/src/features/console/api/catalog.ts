import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Product, ProductList } from '../../../types/api';
import type { ProductInput } from '../../../types/admin';

export const adminProductsQuery = queryOptions({
  queryKey: ['admin', 'products'] as const,
  queryFn: ({ signal }) => api.get<ProductList>('/api/admin/products', { signal }),
});

export function useSaveProduct() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: ProductInput }) =>
      id
        ? api.patch<Product>(`/api/admin/products/${encodeURIComponent(id)}`, input)
        : api.post<Product>('/api/admin/products', input, { idempotencyKey: true }),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: adminProductsQuery.queryKey });
      // The shop's catalog is cached too; an operator who shops next sees the change.
      await queryClient.invalidateQueries({ queryKey: ['catalog'] });
    },
  });
}
