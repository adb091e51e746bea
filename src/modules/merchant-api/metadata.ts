// The merchant's own keys and values on orders and customers.
import { Type } from 'typebox';

export const Metadata = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  propertyNames: { minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_.:-]+$' },
  description: 'Up to 20 keys (1–40 of [A-Za-z0-9_.:-]), string values up to 500 characters',
});
