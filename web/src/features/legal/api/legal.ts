import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

export type LegalDocumentName = 'terms' | 'privacy';

export interface LegalDocument {
  document: LegalDocumentName;
  version: string;
  /** ISO date, e.g. 2025-01-31. */
  effective_date: string;
  title: string;
  /** Plain text: paragraphs separated by blank lines, `## ` starts a heading. */
  body: string;
}

export const legalDocumentQuery = (name: LegalDocumentName) =>
  queryOptions({
    queryKey: ['legal', name] as const,
    queryFn: ({ signal }) => api.get<LegalDocument>(`/api/legal/${name}`, { signal }),
    staleTime: 10 * 60_000,
  });
