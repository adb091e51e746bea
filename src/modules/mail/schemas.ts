import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const DateTime = Type.String({ format: 'date-time' });

const CaughtMail = Type.Object(
  {
    id: Type.Integer(),
    from: Type.String(),
    to: Type.String(),
    subject: Type.String(),
    text: Type.String(),
    created_at: DateTime,
  },
  { title: 'CaughtMail' },
);

export const listMailSchema = {
  operationId: 'adminListCaughtMail',
  tags: ['admin'],
  summary: 'Mail kept by the local catcher (no SMTP_URL), newest first',
  querystring: StrictObject({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  }),
  response: {
    200: Type.Object(
      {
        data: Type.Array(CaughtMail),
        has_more: Type.Boolean(),
        mailer: Type.Union([Type.Literal('smtp'), Type.Literal('catcher'), Type.Literal('none')]),
      },
      { title: 'CaughtMailList' },
    ),
    ...errorResponses(400, 401, 403),
  },
};
