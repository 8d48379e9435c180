import type { OpenAPIObject } from '@nestjs/swagger';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOpenApiDocument } from '../../src/common/swagger/swagger';
import { startTestApp, TestApp } from '../utils/app';
import { routeInventory, routeKey, RouteInfo, toOpenApiPath } from '../utils/routes';

/**
 * The committed OpenAPI document (backend/openapi.json) is the API's published contract: clients are generated
 * from it and reviews diff it. This test fails when the code and the file disagree; after an intended change run
 * `npm run openapi -w backend` (OPENAPI_WRITE=1) to rewrite the file, and commit it with the change.
 */
const OPENAPI_FILE = resolve(__dirname, '../../openapi.json');
const WRITE = process.env.OPENAPI_WRITE === '1';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const ERROR_SCHEMA = '#/components/schemas/ErrorResponseDto';

interface MediaType {
  schema?: { $ref?: string; type?: string; items?: { $ref?: string } };
}
interface Operation {
  summary?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
}
interface Op {
  key: string;
  operation: Operation;
}

function operations(doc: OpenAPIObject): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, unknown>)[method] as Operation | undefined;
      if (operation) ops.push({ key: `${method.toUpperCase()} ${path}`, operation });
    }
  }
  return ops;
}

/** Plain JSON, as it is served and stored (no undefined members, no class instances). */
function normalized(doc: OpenAPIObject): OpenAPIObject {
  return JSON.parse(JSON.stringify(doc)) as OpenAPIObject;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let ops: Op[];
  let routes: RouteInfo[];
  const isPublic = (key: string) =>
    routes.some((r) => r.publicOn.length > 0 && `${r.method} ${toOpenApiPath(r.path)}` === key);

  beforeAll(async () => {
    t = await startTestApp({ WORKERS_IN_PROCESS: 'false' });
    doc = normalized(buildOpenApiDocument(t.app));
    ops = operations(doc);
    routes = routeInventory(t.app);
    if (WRITE) writeFileSync(OPENAPI_FILE, `${JSON.stringify(doc, null, 2)}\n`);
  });
  afterAll(() => t.close());

  it('equals the committed backend/openapi.json (regenerate with `npm run openapi`)', () => {
    expect(existsSync(OPENAPI_FILE)).toBe(true);
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenAPIObject;
    expect(doc).toEqual(committed);
  });

  it('is stored as pretty JSON with two spaces and a trailing newline', () => {
    const text = readFileSync(OPENAPI_FILE, 'utf8');
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it('documents exactly the routes the application serves', () => {
    expect(ops.length).toBeGreaterThan(10);
    const served = routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort();
    expect(ops.map((o) => o.key).sort()).toEqual(served);
  });

  it('every operation has a summary', () => {
    const missing = ops.filter((o) => !o.operation.summary?.trim()).map((o) => o.key);
    expect(missing).toEqual([]);
  });

  it('every operation documents a 2xx response with a schema (204 needs none)', () => {
    const missing = ops
      .filter(({ operation }) => {
        const success = Object.keys(operation.responses).filter((code) => /^2\d\d$/.test(code));
        if (success.length === 0) return true;
        if (success.every((code) => code === '204')) return false;
        return !success.some((code) => operation.responses[code]?.content?.['application/json']?.schema);
      })
      .map((o) => o.key);
    expect(missing).toEqual([]);
  });

  it('every non-public operation requires the bearer token and documents 401; public ones do not', () => {
    const problems: string[] = [];
    for (const { key, operation } of ops) {
      if (isPublic(key)) {
        if (operation.security?.length) problems.push(`${key}: public but declares security`);
        continue;
      }
      if (JSON.stringify(operation.security) !== JSON.stringify([{ bearer: [] }]))
        problems.push(`${key}: security is ${JSON.stringify(operation.security)}`);
      if (!operation.responses['401']) problems.push(`${key}: no 401 response`);
    }
    expect(problems).toEqual([]);
    // The public operations are the public routes of the inventory, nothing else.
    expect(ops.filter((o) => isPublic(o.key)).length).toBe(routes.filter((r) => r.publicOn.length).length);
  });

  it('operations that need a permission document 403', () => {
    const missing = routes
      .filter((r) => (r.requirement?.anyOf.length ?? 0) > 0)
      .map((r) => `${r.method} ${toOpenApiPath(r.path)}`)
      .filter((key) => !ops.find((o) => o.key === key)?.operation.responses['403']);
    expect(missing).toEqual([]);
  });

  it('every request body references a schema', () => {
    const problems = ops
      .filter((o) => o.operation.requestBody)
      .filter(({ operation }) => {
        const content = operation.requestBody?.content ?? {};
        const types = Object.values(content);
        return types.length === 0 || !types.every((m) => m.schema?.$ref?.startsWith('#/components/schemas/'));
      })
      .map((o) => o.key);
    expect(problems).toEqual([]);
  });

  it('every documented 4xx answer uses the ErrorResponseDto schema', () => {
    const problems: string[] = [];
    for (const { key, operation } of ops) {
      for (const [code, response] of Object.entries(operation.responses)) {
        if (!/^4\d\d$/.test(code)) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== ERROR_SCHEMA) problems.push(`${key} ${code}: ${ref ?? 'no schema'}`);
      }
    }
    expect(problems).toEqual([]);
    expect(doc.components?.schemas?.ErrorResponseDto).toBeDefined();
  });

  it('declares the bearer scheme and carries no host, port or other environment detail', () => {
    expect(doc.components?.securitySchemes?.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const text = JSON.stringify(doc);
    expect(text).not.toContain(t.url);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(t.config.database.appUser);
  });

  it('GET /docs serves the Swagger UI and GET /docs-json the same document', async () => {
    const ui = await t.http().get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    expect(ui.text).toMatch(/swagger-ui/i);

    const json = await t.http().get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body).toEqual(doc);
  });

  it('lists every route of the inventory by key (sanity check of the inventory itself)', () => {
    expect(routes.map(routeKey)).toEqual(
      expect.arrayContaining(['POST /auth/login', 'GET /users/:userId', 'DELETE /user-groups/:id']),
    );
  });
});
