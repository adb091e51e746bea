import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: {
    securitySchemes: Record<string, Record<string, unknown>>;
    schemas: Record<string, Record<string, unknown>>;
  };
};
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(() => t.close());

/** The merchant API (SPEC.md §1; issue #4): method and Fastify path. */
const MERCHANT_ROUTES: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string]> = [
  ['POST', '/api/v1/orders'],
  ['GET', '/api/v1/orders'],
  ['GET', '/api/v1/orders/:id'],
  ['POST', '/api/v1/orders/:id/charge'],
  ['POST', '/api/v1/orders/:id/capture'],
  ['POST', '/api/v1/orders/:id/cancel'],
  ['POST', '/api/v1/orders/:id/refunds'],
  ['GET', '/api/v1/payments'],
  ['GET', '/api/v1/payments/:id'],
  ['GET', '/api/v1/refunds'],
  ['GET', '/api/v1/refunds/:id'],
  ['GET', '/api/v1/customers'],
  ['GET', '/api/v1/customers/:id'],
  ['POST', '/api/v1/customers'],
  ['PATCH', '/api/v1/customers/:id'],
  ['DELETE', '/api/v1/customers/:id'],
  ['POST', '/api/v1/webhook_endpoints'],
  ['GET', '/api/v1/webhook_endpoints'],
  ['GET', '/api/v1/webhook_endpoints/:id'],
  ['POST', '/api/v1/webhook_endpoints/:id'],
  ['DELETE', '/api/v1/webhook_endpoints/:id'],
  ['POST', '/api/v1/webhook_endpoints/:id/rotate_secret'],
  ['GET', '/api/v1/webhook_endpoints/:id/deliveries'],
  ['POST', '/api/v1/webhook_endpoints/:id/resend'],
  ['GET', '/api/v1/events'],
  ['GET', '/api/v1/events/:id'],
];

function merchantRoutes(): Array<[string, string]> {
  return MERCHANT_ROUTES.map(([method, url]) => {
    expect(t.app.hasRoute({ method, url }), `${method} ${url} is served`).toBe(true);
    return [method.toLowerCase(), url.replace(/:(\w+)/g, '{$1}')];
  });
}

describe('OpenAPI document', () => {
  it('when /docs/json is checked against the OpenAPI 3.0 schema, strictly, then it is valid — a client can be generated from it', async () => {
    const result = await new Validator().validate(
      structuredClone(doc) as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('when @apidevtools/swagger-parser validates it (schema and every $ref), then it has no error', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('when a client is generated, then every operation has its own operationId', () => {
    const ids = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        return op.operationId as string;
      }),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when /docs/json is fetched, then it is an OpenAPI 3 document with bearer auth for the merchant API', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('when listing the merchant API, then every /api/v1 route is documented with its parameters, body, responses and scope', () => {
    const routes = merchantRoutes();
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(routes.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op!.security, `${method} ${path}`).toEqual([{ apiKey: [] }]);
      expect(op!['x-required-scope'], `${method} ${path}`).toMatch(/^[a-z]+:(read|write)$/);
      const responses = op!.responses as Record<
        string,
        { content?: Record<string, { schema: unknown }> }
      >;
      const success = Object.keys(responses).find((code) => code.startsWith('2'));
      expect(
        responses[success!]?.content?.['application/json']?.schema,
        `${method} ${path} response`,
      ).toBeDefined();
      expect(responses['401'], `${method} ${path} 401`).toBeDefined();
      if (path.includes('{id}')) {
        expect(
          (op!.parameters as Array<{ in: string; name: string }>).some(
            (p) => p.in === 'path' && p.name === 'id',
          ),
        ).toBe(true);
      }
    }
    const create = doc.paths['/api/v1/orders']!.post! as {
      requestBody: {
        content: Record<
          string,
          { schema: { properties: Record<string, unknown>; additionalProperties: boolean } }
        >;
      };
    };
    const body = create.requestBody.content['application/json']!.schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining([
        'customer_id',
        'customer_email',
        'amount',
        'currency',
        'items',
        'capture_method',
        'metadata',
      ]),
    );
    expect(body.additionalProperties).toBe(false);
    const list = doc.paths['/api/v1/payments']!.get! as {
      parameters: Array<{ in: string; name: string }>;
    };
    expect(list.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'limit',
        'starting_after',
        'status',
        'customer_id',
        'order_id',
        'decline_code',
        'created_gte',
        'created_lte',
      ]),
    );
  });

  it('when listing the rest, then the customer, operator and operational endpoints are there too, and pages and assets are not', () => {
    for (const path of [
      '/api/orders/{id}/pay',
      '/api/admin/payments',
      '/api/admin/payments/{id}',
      '/api/admin/api-keys',
      '/api/auth/login',
      '/healthz',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/api/admin/payments']!.get!.security).toEqual([{ session: [] }]);
    expect(doc.paths['/api/admin/orders/{id}/refunds']!.post!.security).toEqual([
      { session: [], csrfToken: [] },
    ]);
    expect(
      Object.keys(doc.paths).filter((p) => !/^\/(api|webhooks|healthz|readyz|metrics)/.test(p)),
    ).toEqual([]);
  });

  it('when listing the operations, then each has its own operationId', () => {
    const ids = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        return op.operationId as string;
      }),
    );
    expect(ids.length).toBeGreaterThan(40);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/orders']!.post!.operationId).toBe('createMerchantOrder');
    expect(doc.paths['/api/orders/{id}/pay']!.post!.operationId).toBe('payOrder');
  });

  it('when reading the schemas, then the main objects are named components that operations reference', () => {
    for (const name of [
      'Order',
      'OrderItem',
      'OrderList',
      'Payment',
      'PaymentList',
      'Refund',
      'RefundList',
      'Customer',
      'CustomerList',
      'PaymentMethod',
      'Product',
      'ApiKey',
      'AuditEntry',
      'WebhookEvent',
      'Error',
      'Currency',
    ]) {
      expect(doc.components.schemas[name], name).toMatchObject({ title: name });
    }
    const json = (op: Record<string, unknown>, status: string) =>
      (op.responses as Record<string, { content: Record<string, { schema: unknown }> }>)[status]!
        .content['application/json']!.schema;
    expect(json(doc.paths['/api/v1/orders/{id}']!.get!, '200')).toEqual({
      $ref: '#/components/schemas/Order',
    });
    expect(json(doc.paths['/api/v1/orders/{id}']!.get!, '404')).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(json(doc.paths['/api/v1/payments']!.get!, '200')).toEqual({
      $ref: '#/components/schemas/PaymentList',
    });
    // Nested objects are references too, and every reference names a component.
    expect((doc.components.schemas.Order!.properties as Record<string, unknown>).payments).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Payment' },
    });
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(100);
    for (const [, name] of refs) expect(doc.components.schemas[name!], name).toBeDefined();
  });

  it('when /docs is opened, then Swagger UI is served as HTML with its assets from our own origin', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    const html =
      page.statusCode === 302
        ? await t.app.inject({ method: 'GET', url: page.headers.location as string })
        : page;
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('swagger-ui');
    const scripts = [...html.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      const url = src.startsWith('.') ? `/docs/${src.replace(/^\.\//, '')}` : src;
      const asset = await t.app.inject({ method: 'GET', url });
      expect(asset.statusCode, url).toBe(200);
    }
    expect(String(html.headers['content-security-policy'])).toContain("script-src 'self'");
  });
});
