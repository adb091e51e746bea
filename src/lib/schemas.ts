// Schema building blocks shared by every route: the error body, ids, bounded strings.
import { Type, type TSchema } from 'typebox';

export const ErrorResponse = Type.Object({
  error: Type.Object(
    {
      code: Type.String(),
      message: Type.String(),
      request_id: Type.String(),
      field: Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  ),
});

/** Standard error responses a route can produce, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}

/** A request body object: unknown fields are refused. */
export function StrictObject<T extends Record<string, TSchema>>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
export const IdParams = StrictObject({ id: Uuid });
export const EmptyBody = Type.Optional(StrictObject({}));
