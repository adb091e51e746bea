import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/plugin.ts';
import { requestMeta } from '../auth/routes.ts';
import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';
import { legalDocument } from './documents.ts';

const LegalDocumentSchema = Type.Object(
  {
    document: Type.String(),
    version: Type.String(),
    effective_date: Type.String(),
    title: Type.String(),
    body: Type.String(),
  },
  { title: 'LegalDocument' },
);

export default async function legalRoutes(app: FastifyInstance) {
  app.get(
    '/:document',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getLegalDocument',
        tags: ['legal'],
        summary: 'The current version of a legal document',
        params: StrictObject({
          document: Type.Union([Type.Literal('terms'), Type.Literal('privacy')]),
        }),
        response: { 200: LegalDocumentSchema, ...errorResponses(400) },
      },
    },
    async (request) =>
      legalDocument((request.params as { document: 'terms' | 'privacy' }).document, app.ctx.config),
  );

  app.post(
    '/terms/accept',
    {
      // A customer paying through a checkout link accepts the Terms there, before paying.
      config: { auth: 'session', checkoutLink: 'any' },
      schema: {
        operationId: 'acceptTerms',
        tags: ['legal'],
        summary: 'Accept the current Terms of Service (needed again after they change)',
        body: StrictObject({
          version: Type.String({
            minLength: 1,
            maxLength: 32,
            pattern: '^[0-9A-Za-z.-]+$',
            description: 'The version read: it must be the current one',
          }),
        }),
        response: {
          200: Type.Object(
            { document: Type.Literal('terms'), version: Type.String() },
            { title: 'TermsAccepted' },
          ),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request) => {
      const { version } = request.body as { version: string };
      const accepted = await app.services.auth.acceptTerms(
        currentUser(request),
        version,
        requestMeta(request),
      );
      return { document: 'terms' as const, version: accepted.version };
    },
  );
}
