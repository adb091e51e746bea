import { Type, type Static } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';

export const PASSWORD_MIN_LENGTH = 12;

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 256 });

export const User = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
  },
  { title: 'User' },
);
export type User = Static<typeof User>;

export const SignupBody = StrictObject({
  email: Email,
  password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 256 }),
  name: Type.String({ minLength: 1, maxLength: 120 }),
  accept_terms: Type.Boolean(),
});
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = StrictObject({ email: Email, password: Password });
export type LoginBody = Static<typeof LoginBody>;

export const LogoutBody = Type.Optional(
  StrictObject({
    everywhere: Type.Optional(Type.Boolean({ description: 'Sign out on every device.' })),
  }),
);

const MfaPolicy = Type.Union([Type.Literal('required'), Type.Literal('optional')], {
  description: 'OPERATOR_MFA: whether operators must have a second factor to use the console',
});

export const OperatorMfa = Type.Object(
  {
    policy: MfaPolicy,
    enrolled: Type.Boolean({ description: 'The operator has a confirmed TOTP second factor' }),
  },
  { title: 'OperatorMfa' },
);

export const SessionResponse = Type.Object(
  {
    user: Type.Union([User, Type.Null()]),
    csrf_token: Type.Union([Type.String(), Type.Null()]),
    second_factor_pending: Type.Boolean({
      description:
        'The password was right and the account has a second factor: send its code to POST /api/auth/login/second-factor. `user` is null until then.',
    }),
    operator_mfa: Type.Union([OperatorMfa, Type.Null()], {
      description: 'Operators only: the second-factor policy and whether they are enrolled',
    }),
    checkout_order_id: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description:
          "Set when the session was opened by a checkout link (POST /api/checkout/sessions): it opens only that order's checkout",
      }),
    ),
  },
  { title: 'Session' },
);

export const signupSchema = {
  operationId: 'signUp',
  tags: ['auth'],
  summary: 'Create an account and sign in',
  body: SignupBody,
  response: { 201: SessionResponse, ...errorResponses(400, 403, 409, 429) },
};
export const loginSchema = {
  operationId: 'logIn',
  tags: ['auth'],
  summary: 'Sign in',
  body: LoginBody,
  response: { 200: SessionResponse, ...errorResponses(400, 401, 403, 429) },
};
export const logoutSchema = {
  operationId: 'logOut',
  tags: ['auth'],
  summary: 'Sign out (this session, or everywhere)',
  body: LogoutBody,
  response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
};
export const sessionSchema = {
  operationId: 'getSession',
  tags: ['auth'],
  summary: 'The current user and CSRF token',
  response: { 200: SessionResponse },
};

export const ChangePasswordBody = StrictObject({
  current_password: Password,
  new_password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 256 }),
});

export const changePasswordSchema = {
  operationId: 'changePassword',
  tags: ['auth'],
  summary: 'Change the password (the current one is required); every other session is signed out',
  body: ChangePasswordBody,
  response: {
    200: Type.Object(
      {
        other_sessions_ended: Type.Integer({ description: 'Sessions on other devices signed out' }),
      },
      { title: 'PasswordChanged' },
    ),
    ...errorResponses(400, 401, 403, 429),
  },
};

// --- Second factor (ADR 023) -----------------------------------------------------------------

const TotpCode = Type.String({
  minLength: 6,
  maxLength: 8,
  pattern: '^[0-9 ]+$',
  description: 'The 6 digits the authenticator app shows now',
});
const RecoveryCode = Type.String({
  minLength: 16,
  maxLength: 24,
  pattern: '^[0-9A-Za-z -]+$',
  description: 'One of the recovery codes issued at enrolment (each works once)',
});

export const CodeBody = StrictObject({ code: TotpCode });

export const secondFactorSignInSchema = {
  operationId: 'completeSignIn',
  tags: ['auth'],
  summary: "Sign-in's second step: a code from the authenticator app, or a recovery code",
  description:
    'Only for the session POST /api/auth/login left waiting (`second_factor_pending`). Send `code` or `recovery_code`. A code is accepted once; a wrong one answers 401 `mfa_code_invalid`, a reused one 401 `mfa_code_reused`. Limited per IP and per account like signing in.',
  body: StrictObject({ code: Type.Optional(TotpCode), recovery_code: Type.Optional(RecoveryCode) }),
  response: { 200: SessionResponse, ...errorResponses(400, 401, 403, 429) },
};

const SecondFactorStatus = Type.Object(
  {
    available: Type.Boolean({ description: 'Operators only: customers have no second factor' }),
    policy: MfaPolicy,
    enrolled: Type.Boolean(),
    enrolled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    recovery_codes_left: Type.Integer({ description: 'Unused recovery codes' }),
  },
  { title: 'SecondFactorStatus' },
);

const RecoveryCodes = Type.Object(
  {
    recovery_codes: Type.Array(Type.String(), {
      description: 'Shown this once; only their hashes are kept',
    }),
  },
  { title: 'RecoveryCodes' },
);

export const secondFactorStatusSchema = {
  operationId: 'getSecondFactor',
  tags: ['auth'],
  summary: "The signed-in operator's second factor",
  response: { 200: SecondFactorStatus, ...errorResponses(401, 403) },
};

export const startEnrolmentSchema = {
  operationId: 'startSecondFactorEnrolment',
  tags: ['auth'],
  summary: 'Start setting up a TOTP second factor: a new secret to scan',
  description:
    'Starting again replaces a secret that was never confirmed. 409 `mfa_already_enrolled` when a second factor is set up.',
  response: {
    200: Type.Object(
      {
        secret: Type.String({ description: 'Base32, for typing into the app' }),
        otpauth_uri: Type.String({ description: 'The otpauth:// URI the QR code holds' }),
        qr_svg: Type.String({ description: 'The QR code, an SVG document' }),
      },
      { title: 'SecondFactorEnrolment' },
    ),
    ...errorResponses(401, 403, 409),
  },
};

export const confirmEnrolmentSchema = {
  operationId: 'confirmSecondFactorEnrolment',
  tags: ['auth'],
  summary: 'Confirm the set-up with a code: the second factor is on, and 10 recovery codes issued',
  description:
    'Every other session of the account (signed in with the password alone) ends. A wrong code answers 403 `mfa_code_invalid`.',
  body: CodeBody,
  response: {
    200: Type.Object(
      {
        recovery_codes: RecoveryCodes.properties.recovery_codes,
        other_sessions_ended: Type.Integer(),
      },
      { title: 'SecondFactorEnrolled' },
    ),
    ...errorResponses(400, 401, 403, 409, 429),
  },
};

export const regenerateRecoveryCodesSchema = {
  operationId: 'regenerateRecoveryCodes',
  tags: ['auth'],
  summary: 'New recovery codes (the old ones stop working); needs a current code',
  body: CodeBody,
  response: { 200: RecoveryCodes, ...errorResponses(400, 401, 403, 409, 429) },
};

// --- Sessions --------------------------------------------------------------------------------

const SessionId = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'A session id from GET /api/auth/sessions',
});

const SessionView = Type.Object(
  {
    id: SessionId,
    created_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time' }),
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    device: Type.String({ description: 'A short description of the user agent' }),
    current: Type.Boolean({ description: 'The session making this request' }),
    awaiting_second_factor: Type.Boolean({
      description: 'The password was given here but the second factor was not (yet)',
    }),
  },
  { title: 'SignedInSession' },
);

export const listSessionsSchema = {
  operationId: 'listMySessions',
  tags: ['auth'],
  summary: 'Where I am signed in',
  response: {
    200: Type.Object({ data: Type.Array(SessionView) }, { title: 'SignedInSessionList' }),
    ...errorResponses(401),
  },
};

export const revokeSessionSchema = {
  operationId: 'revokeMySession',
  tags: ['auth'],
  summary: 'End one of my sessions (ending the current one signs out)',
  params: StrictObject({ id: SessionId }),
  response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
};

const SessionsEnded = Type.Object({ sessions_ended: Type.Integer() }, { title: 'SessionsEnded' });

export const revokeOtherSessionsSchema = {
  operationId: 'revokeMyOtherSessions',
  tags: ['auth'],
  summary: 'End every session of mine but this one',
  response: { 200: SessionsEnded, ...errorResponses(401, 403) },
};

export const revokeUserSessionsSchema = {
  operationId: 'revokeUserSessions',
  tags: ['admin'],
  summary: "End every session of an account (e.g. an operator's lost laptop)",
  params: StrictObject({ id: Uuid }),
  response: { 200: SessionsEnded, ...errorResponses(400, 401, 403, 404) },
};

export const passwordResetRequestSchema = {
  operationId: 'requestPasswordReset',
  tags: ['auth'],
  summary:
    'Forgot password: email a single-use link (valid 30 minutes) when the address has an account',
  description:
    'Answers 202 whether or not an account has this address, so the answer tells nobody which addresses have accounts.',
  body: StrictObject({ email: Email }),
  response: {
    202: Type.Object(
      {
        message: Type.String({
          description: 'What to tell the person: the same words for every address',
        }),
      },
      { title: 'PasswordResetRequested' },
    ),
    ...errorResponses(400, 429),
  },
};

export const passwordResetConfirmSchema = {
  operationId: 'confirmPasswordReset',
  tags: ['auth'],
  summary: 'Set a new password from an emailed link; every session of the account is signed out',
  body: StrictObject({
    token: Type.String({ minLength: 20, maxLength: 200, description: 'From the emailed link' }),
    password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 256 }),
  }),
  response: {
    200: Type.Object(
      { sessions_ended: Type.Integer({ description: 'Sessions of the account signed out' }) },
      { title: 'PasswordReset' },
    ),
    ...errorResponses(400, 429),
  },
};
