import { z } from 'zod';
import { errorSchema, type ApiRoute } from './core.js';

// The OpenAPI 3.1 document, made from the very zod schemas the routes validate with, so the
// document and the behaviour cannot drift apart.

type Json = Record<string, unknown>;

const inputSchema = (schema: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};
const outputSchema = (schema: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;
  return rest;
};

/** An object schema's properties as OpenAPI parameters (query or path). */
function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): Json[] {
  if (!schema) return [];
  const json = inputSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property }));
}

const ERRORS: Record<string, string> = {
  '400': 'Invalid input, bad JSON or a missing Idempotency-Key',
  '401': 'No token, or a wrong, expired or revoked one',
  '403': "The token's role may not do this",
  '404': 'No such thing',
  '409': 'Conflicts with the current state (a duplicate, the same status)',
  '413': 'Body larger than the limit',
  '415': 'Body is not application/json',
  '429': 'Too many calls with this token; wait a minute',
  '500': 'The server failed; nothing was changed',
};

export function openApiDocument(routes: readonly ApiRoute[], prefix: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const errorRef = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const operation: Json = {
      operationId: `${route.method.toLowerCase()}${route.url.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      tags: [route.tag],
      'x-lango-action': route.action,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), ...(route.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required, description: h.description, schema: { type: 'string' } }))],
      responses: {
        [String(route.status ?? 200)]: { description: 'Done', content: { 'application/json': { schema: outputSchema(route.response) } } },
        ...Object.fromEntries(Object.entries(ERRORS).map(([status, description]) => [status, { description, ...errorRef }])),
      },
    };
    if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: inputSchema(route.body) } } };
    (paths[route.url] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lango API',
      version: '1',
      description: 'Customers, plans, subscriptions, payments, vouchers and sessions for other systems. A token (lango api-token create) acts with a staff role\'s permissions; each operation names the permission it needs in x-lango-action. Lists page with ?limit= (at most 200) and ?after= set to the previous page\'s `next`. Money is integer minor units with a currency.',
    },
    servers: [{ url: prefix }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer lango_…' } },
      schemas: { Error: outputSchema(errorSchema) },
    },
  };
}
