import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';
import { legalDocuments } from './documents.ts';

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
      legalDocuments[(request.params as { document: 'terms' | 'privacy' }).document],
  );
}
