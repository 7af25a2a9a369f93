import 'reflect-metadata';
import { runMain } from '@switchyard/api-kit';
import { createDispatcherApp } from './bootstrap.js';
import { loadDispatcherSettings } from './config/dispatcher-settings.js';

await runMain('dispatcher', loadDispatcherSettings, createDispatcherApp);
