// Account schemas shared by the customer's own deletion and the merchant API's (customers).
import { Type } from 'typebox';

export const DeletionItem = Type.Object(
  {
    data: Type.String({ description: 'A stable name for the kind of data' }),
    description: Type.String(),
    count: Type.Integer({ minimum: 0 }),
    reason: Type.Optional(Type.String({ description: 'Why it is kept' })),
  },
  { title: 'AccountDeletionItem' },
);

export const AccountDeletion = Type.Object(
  {
    deleted_at: Type.String(),
    canceled_payments: Type.Array(Type.String(), {
      description: 'Payments that waited for 3-D Secure, canceled at Stripe first',
    }),
    removed: Type.Array(DeletionItem),
    kept_anonymised: Type.Array(DeletionItem),
  },
  { title: 'AccountDeletion' },
);
