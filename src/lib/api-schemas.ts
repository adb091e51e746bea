// Schema pieces shared by the list and write endpoints of the merchant API and the console:
// enum literals, list envelopes, created-at ranges, keyset pages and the Idempotency-Key header.
import { Type } from 'typebox';
import { StrictObject, Uuid } from './schemas.ts';

export const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T, title: string) =>
  Type.Object(
    {
      data: Type.Array(item),
      has_more: Type.Boolean({
        description: 'More results after the last one: pass its id as starting_after',
      }),
    },
    { title },
  );

export const Instant = Type.String({
  maxLength: 40,
  pattern: '^(\\d{1,11}|\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)$',
  description: 'ISO 8601 date or date-time, or unix seconds',
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  starting_after: Type.Optional(Uuid),
};
export const CreatedQuery = {
  created_gte: Type.Optional(Instant),
  created_lte: Type.Optional(Instant),
};
export const OrderIdParams = StrictObject({ id: Uuid });
export const IdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: 255,
      description:
        'A unique value per operation (e.g. a UUID); retries with the same key replay the first response',
    }),
  ),
});
