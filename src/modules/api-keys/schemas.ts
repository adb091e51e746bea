import { Type } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { API_KEY_SCOPES } from './service.ts';

export const ApiKeyScope = Type.Union(
  API_KEY_SCOPES.map((s) => Type.Literal(s)),
  { title: 'ApiKeyScope', description: 'What the key may do' },
);

export const ApiKey = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({
      description: 'The first characters of the secret, to recognise the key',
    }),
    scopes: Type.Array(Type.String()),
    created_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'ApiKey' },
);

export const CreatedApiKey = Type.Object(
  {
    ...ApiKey.properties,
    secret: Type.String({
      description: 'The secret key (pd_sk_…). Shown only in this response; store it now.',
    }),
  },
  { title: 'CreatedApiKey' },
);

export const createApiKeySchema = {
  operationId: 'adminCreateApiKey',
  tags: ['admin'],
  summary: 'Create a secret API key for the merchant API (the secret is shown once)',
  body: StrictObject({
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(ApiKeyScope, {
      minItems: 1,
      maxItems: API_KEY_SCOPES.length,
      uniqueItems: true,
    }),
  }),
  response: { 201: CreatedApiKey, ...errorResponses(400, 401, 403, 409, 422) },
};
export const listApiKeysSchema = {
  operationId: 'adminListApiKeys',
  tags: ['admin'],
  summary: 'API keys, newest first (never their secrets)',
  response: {
    200: Type.Object({ data: Type.Array(ApiKey) }, { title: 'ApiKeyList' }),
    ...errorResponses(401, 403),
  },
};
export const revokeApiKeySchema = {
  operationId: 'adminRevokeApiKey',
  tags: ['admin'],
  summary: 'Revoke an API key: it stops working at once',
  params: StrictObject({ id: Uuid }),
  response: { 200: ApiKey, ...errorResponses(400, 401, 403, 404) },
};
