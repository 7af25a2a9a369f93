import { STATUS_CODES } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject, type OperationObject, type ParameterObject, type ResponseObject } from '@nestjs/swagger';
import { HttpErrorOut, HttpValidationErrorOut } from '../api-docs.js';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly version: string;
  /** Operations served outside Nest's router (raw Fastify routes), documented by hand. */
  readonly extraPaths?: OpenAPIObject['paths'];
}

/** The header IdempotencyInterceptor reads; it runs app-wide, so every POST of Nest's router takes it. */
const IDEMPOTENCY_KEY: ParameterObject = {
  name: 'idempotency-key',
  in: 'header',
  required: false,
  description: 'Makes the POST safe to retry: a repeat with the same key and body (within 24 hours) answers what the first request answered; the same key with another body is a 409.',
  schema: { type: 'string', maxLength: 256, example: 'a1b2c3d4-retry-safe-key' },
};

const IDEMPOTENCY_CONFLICT: ResponseObject = {
  description: 'Conflict: the idempotency-key was used with another body, or its first request is still running',
  content: { 'application/json': { schema: { $ref: getSchemaPath(HttpErrorOut) } } },
};

/**
 * Builds the app's OpenAPI 3 document from its controllers, their DTOs and the schema classes of
 * their responses, and adds what the app-wide interceptors add to every POST (the idempotency-key
 * header and its 409). Responses declared without a description get the HTTP reason phrase.
 */
export function buildOpenApiDocument(app: NestFastifyApplication, options: OpenApiOptions): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'ADMIN_API_KEY', description: 'The ADMIN_API_KEY the app was started with' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [HttpErrorOut, HttpValidationErrorOut] });
  for (const item of Object.values(document.paths)) {
    const post: OperationObject | undefined = item.post;
    if (post) {
      post.parameters = [...(post.parameters ?? []), IDEMPOTENCY_KEY];
      post.responses['409'] ??= IDEMPOTENCY_CONFLICT;
    }
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      for (const [status, response] of Object.entries(item[method]?.responses ?? {})) {
        if (response && 'description' in response && response.description === '') response.description = STATUS_CODES[status] ?? status;
      }
    }
  }
  Object.assign(document.paths, options.extraPaths ?? {});
  return document;
}

/** Serves the OpenAPI document at /docs-json (and /docs-yaml) with a browsable UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication, options: OpenApiOptions): OpenAPIObject {
  const document = buildOpenApiDocument(app, options);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}
