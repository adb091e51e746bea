import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { LegalDocument } from '../../../types/api';

export type LegalDocumentName = 'terms' | 'privacy';

export const legalDocumentQuery = (name: LegalDocumentName) =>
  queryOptions({
    queryKey: ['legal', name] as const,
    queryFn: ({ signal }) => api.get<LegalDocument>(`/api/legal/${name}`, { signal }),
    staleTime: 10 * 60_000,
  });
