import { Initial1764288000000 } from './1764288000000-Initial.js';

/** Every migration in order, passed to the DataSource as classes. */
export const MIGRATIONS = [Initial1764288000000];
