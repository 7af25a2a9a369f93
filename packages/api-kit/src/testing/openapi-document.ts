/** Just enough of an OpenAPI 3.0 document to test what an app serves at /docs-json: shapes, lookups and a conformance check of live responses. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
}

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDoc): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** The schema a `$ref` (or a lone `allOf: [$ref]`, Nest's way of adding `nullable`) points at. */
export function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`no schema ${name}`);
    return resolve(doc, target);
  }
  if (schema.allOf?.length === 1) return { ...resolve(doc, schema.allOf[0]!), nullable: schema.nullable };
  return schema;
}

/** The JSON schema of an operation's request body. */
export function bodySchemaOf(doc: OpenApiDoc, op: Operation | undefined): Schema {
  const schema = op?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error('operation has no JSON request body');
  return resolve(doc, schema);
}

/** The JSON schema of an operation's response with this status. */
export function responseSchemaOf(doc: OpenApiDoc, op: Operation | undefined, status: number): Schema {
  const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`operation has no JSON ${status} response`);
  return resolve(doc, schema);
}

/**
 * Where a JSON value departs from a schema: wrong types, missing required properties, and
 * properties the schema does not document (where it lists its properties and allows no others).
 * Returns one line per problem; empty when the value conforms.
 */
export function conformance(doc: OpenApiDoc, schema: Schema, value: unknown, at = '$'): string[] {
  const s = resolve(doc, schema);
  if (value === null) return s.nullable ? [] : [`${at}: null but not nullable`];
  if (s.oneOf) return s.oneOf.some((option) => conformance(doc, option, value, at).length === 0) ? [] : [`${at}: matches no oneOf option`];
  if (s.enum && !s.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`];
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected string, got ${JSON.stringify(value)}`];
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${at}: not a date-time: ${value}`];
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: expected integer, got ${JSON.stringify(value)}`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: expected number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: expected boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected array`];
      return value.flatMap((item, i) => (s.items ? conformance(doc, s.items, item, `${at}[${i}]`) : []));
    case 'object':
    case undefined: {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected object`];
      const record = value as Record<string, unknown>;
      const problems = (s.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key}: required but missing`);
      for (const [key, v] of Object.entries(record)) {
        const property = s.properties?.[key];
        if (property) problems.push(...conformance(doc, property, v, `${at}.${key}`));
        else if (typeof s.additionalProperties === 'object') problems.push(...conformance(doc, s.additionalProperties, v, `${at}.${key}`));
        else if (s.additionalProperties !== true && s.properties) problems.push(`${at}.${key}: not documented`);
      }
      return problems;
    }
    default:
      return [`${at}: unknown schema type ${s.type}`];
  }
}
