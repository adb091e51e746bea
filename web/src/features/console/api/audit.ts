import { keepPreviousData, queryOptions, useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { AuditPage, AuditVerification } from '../../../types/admin';

export const auditQuery = (query: URLSearchParams) =>
  queryOptions({
    queryKey: ['admin', 'audit', query.toString()] as const,
    queryFn: ({ signal }) => api.get<AuditPage>(`/api/admin/audit?${query.toString()}`, { signal }),
    placeholderData: keepPreviousData,
  });

export function useVerifyAudit() {
  return useMutation({
    mutationFn: () => api.post<AuditVerification>('/api/admin/audit/verify', {}),
  });
}
