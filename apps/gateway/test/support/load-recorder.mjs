// `node --import <this file>`: records every @opentelemetry module the process resolves (to the
// file in LOAD_RECORD), so a test can tell whether the tracing SDK was loaded at all.
import { register } from 'node:module';

register('./load-recorder-hooks.mjs', import.meta.url);
