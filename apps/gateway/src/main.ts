import 'reflect-metadata';
import { runMain } from '@switchyard/api-kit';
import { createGatewayApp } from './bootstrap.js';
import { loadGatewaySettings } from './config/gateway-settings.js';

await runMain('gateway', loadGatewaySettings, createGatewayApp);
