import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../../components/alert';
import { PageSkeleton } from '../../../components/skeleton';
import { legalDocumentQuery } from '../api/legal';
import type { LegalDocumentName } from '../api/legal';
import { LegalText } from './legal-text';

const FALLBACK_TITLE: Record<LegalDocumentName, string> = {
  terms: 'Terms of Service',
  privacy: 'Privacy Policy',
};

export function LegalPage({ document }: { document: LegalDocumentName }) {
  const { data, error, isPending, refetch } = useQuery(legalDocumentQuery(document));
  const title = data?.title ?? FALLBACK_TITLE[document];

  return (
    <article className="legal">
      <title>{`${title} · Paydeck`}</title>
      {isPending ? <PageSkeleton label={`Loading the ${FALLBACK_TITLE[document]}…`} /> : null}
      {error ? (
        <>
          <h1>{title}</h1>
          <ErrorAlert
            error={error}
            title="This document could not be loaded"
            onRetry={() => void refetch()}
          />
        </>
      ) : null}
      {data ? (
        <>
          <h1>{data.title}</h1>
          <p className="legal__meta">
            Version {data.version} · effective {formatDate(data.effective_date)}
          </p>
          <LegalText body={data.body} />
        </>
      ) : null}
    </article>
  );
}

function formatDate(isoDate: string): string {
  const date = new Date(isoDate);
  if (Number.isNaN(date.getTime())) return isoDate;
  // A bare date parses as UTC midnight; format it in UTC so it is not shown as the day before.
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

// One component per route so the router can lazy-load them without wrapper closures.
export const TermsPage = () => <LegalPage document="terms" />;
export const PrivacyPage = () => <LegalPage document="privacy" />;
