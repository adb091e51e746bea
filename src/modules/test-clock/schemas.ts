// Time travel route schemas: they validate, type and document (OpenAPI) the console's clock.
import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const tags = ['admin'];

const TestClockStatus = Type.Object(
  {
    available: Type.Boolean({ description: 'Only with the Stripe simulator' }),
    now: Type.String({ format: 'date-time', description: "Paydeck's time, travel included" }),
    offset_seconds: Type.Integer({ description: "How far ahead of the machine's clock" }),
  },
  { title: 'TestClock' },
);

export const getTestClockSchema = {
  operationId: 'adminGetTestClock',
  tags,
  summary: "Simulated mode: Paydeck's clock and how far it has travelled",
  response: { 200: TestClockStatus, ...errorResponses(401, 403) },
};

export const advanceTestClockSchema = {
  operationId: 'adminAdvanceTestClock',
  tags,
  summary:
    "Simulated mode: move Paydeck's and the simulator's clocks forward together (like a Stripe test clock)",
  description:
    'Retries, reminders, link expiry and webhook retry schedules that fall within the jump happen at once. Forward only; 409 `test_clock_unavailable` outside simulated mode.',
  body: StrictObject({
    seconds: Type.Integer({ minimum: 1, maximum: 366 * 86_400 }),
  }),
  response: {
    200: Type.Object(
      {
        available: Type.Boolean(),
        now: Type.String({ format: 'date-time' }),
        offset_seconds: Type.Integer(),
        jobs_moved: Type.Integer({ description: 'Scheduled jobs brought forward' }),
        simulator: Type.Union([Type.Literal('advanced'), Type.Literal('unreachable')]),
      },
      { title: 'TestClockAdvanced' },
    ),
    ...errorResponses(400, 401, 403, 409),
  },
};
