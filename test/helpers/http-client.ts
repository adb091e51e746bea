// A tiny cookie-keeping client over `app.inject`, playing a browser: it stores the session
// cookie and sends the CSRF token the way the web app does.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class TestClient {
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(private readonly app: FastifyInstance) {}

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (options.csrf !== false && this.csrfToken && method !== 'GET')
      headers['x-csrf-token'] = this.csrfToken;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await this.app.inject({
      method,
      url,
      headers,
      ...(options.body !== undefined
        ? {
            payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          }
        : {}),
    });
    const setCookie = response.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookie = undefined;
      else this.cookie = pair;
    }
    const json = safeJson(response.body);
    if (json && typeof json === 'object' && 'csrf_token' in json) {
      this.csrfToken = (json as { csrf_token: string | null }).csrf_token ?? undefined;
    }
    return response;
  }

  /** The same browser (cookie and CSRF token) talking to another instance of the app. */
  on(app: FastifyInstance): TestClient {
    return Object.assign(new TestClient(app), { cookie: this.cookie, csrfToken: this.csrfToken });
  }

  async signup(email: string, password = 'a-long-enough-password', name = 'Test Person') {
    const res = await this.request('POST', '/api/auth/signup', {
      body: { email, password, name, accept_terms: true },
    });
    if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
    return res.json() as {
      user: { id: string; email: string; name: string; role: string };
      csrf_token: string;
    };
  }
}

export function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
