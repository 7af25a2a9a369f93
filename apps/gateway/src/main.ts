import 'reflect-metadata';
import { AdminListener, reportSecretsAtRest } from '@switchyard/api-kit';
import { exitGracefullyOnSignal, SettingsError } from '@switchyard/platform';
import { createGatewayApp } from './bootstrap.js';
import { loadGatewaySettings, type GatewaySettings } from './config/gateway-settings.js';

let settings: GatewaySettings;
try {
  settings = loadGatewaySettings(process.env);
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(`gateway: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const app = await createGatewayApp(settings);
await reportSecretsAtRest(app);
exitGracefullyOnSignal(() => app.close(), { log: (m) => console.log(`gateway: ${m}`) });
await app.listen(settings.port, settings.host);
const adminUrl = await app.get(AdminListener).listen();
if (settings.adminApiKeyGenerated) {
  console.log(`gateway: ADMIN_API_KEY was not set; generated one for this run: ${settings.adminApiKey}`);
}
console.log(`gateway: listening on http://${settings.host}:${settings.port}; admin (metrics, queues, readiness) on ${adminUrl}`);
