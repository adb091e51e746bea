import { Type, type Static } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

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

export const SessionResponse = Type.Object(
  {
    user: Type.Union([User, Type.Null()]),
    csrf_token: Type.Union([Type.String(), Type.Null()]),
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
