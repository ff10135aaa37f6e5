/**
 * Checks an HTTP answer against the OpenAPI document the API serves: the path and method are
 * documented, the status is one the document lists for them, and the JSON body validates against
 * the schema given for that status (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../../api/openapi';

type Operation = {
  responses: Record<string, { content?: { 'application/json'?: { schema: object }; 'text/html'?: object } }>;
};
const doc = OPENAPI_DOCUMENT as unknown as {
  components: { schemas: Record<string, object> };
  paths: Record<string, Record<string, Operation>>;
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');

const templates = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

export function assertMatchesContract(method: string, url: string, status: number, body: unknown): void {
  const pathOnly = new URL(url, 'http://x').pathname;
  const found = templates.find((t) => t.pattern.test(pathOnly));
  if (!found) {
    assert.equal(status, 404, `${method} ${pathOnly} is not in the OpenAPI document`);
    return;
  }
  const operation = doc.paths[found.template]![method.toLowerCase()];
  if (!operation) {
    assert.equal(status, 404, `${method} ${found.template} is not in the OpenAPI document`);
    return;
  }
  const response = operation.responses[String(status)];
  assert.ok(
    response,
    `${method} ${found.template} answered ${status}, which the OpenAPI document does not list`,
  );
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return;
  const resolved = JSON.parse(
    JSON.stringify(schema).replace(/"#\/components/g, '"openapi#/components'),
  ) as object;
  const valid = ajv.validate(resolved, body);
  assert.ok(
    valid,
    `${method} ${found.template} ${status}: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(body)}`,
  );
}
