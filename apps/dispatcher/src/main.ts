import 'reflect-metadata';
import { AdminListener, reportSecretsAtRest } from '@switchyard/api-kit';
import { exitGracefullyOnSignal, SettingsError } from '@switchyard/platform';
import { createDispatcherApp } from './bootstrap.js';
import { loadDispatcherSettings, type DispatcherSettings } from './config/dispatcher-settings.js';

let settings: DispatcherSettings;
try {
  settings = loadDispatcherSettings(process.env);
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(`dispatcher: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const app = await createDispatcherApp(settings);
await reportSecretsAtRest(app);
exitGracefullyOnSignal(() => app.close(), { log: (m) => console.log(`dispatcher: ${m}`) });
await app.listen(settings.port, settings.host);
const adminUrl = await app.get(AdminListener).listen();
if (settings.adminApiKeyGenerated) {
  console.log(`dispatcher: ADMIN_API_KEY was not set; generated one for this run: ${settings.adminApiKey}`);
}
console.log(`dispatcher: listening on http://${settings.host}:${settings.port}; admin (metrics, queues, readiness) on ${adminUrl}`);
