import { appendFileSync } from 'node:fs';

/** Module resolution hook (runs off the main thread): appends each resolved @opentelemetry URL to LOAD_RECORD. */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.LOAD_RECORD && result.url.includes('@opentelemetry')) appendFileSync(process.env.LOAD_RECORD, `${result.url}\n`);
  return result;
}
