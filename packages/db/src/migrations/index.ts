import { Initial1764288000000 } from './1764288000000-Initial.js';
import { Isolation1764720000000 } from './1764720000000-Isolation.js';
import { ClaimOrder1764748800000 } from './1764748800000-ClaimOrder.js';
import { MessageTraceContext1764800000000 } from './1764800000000-MessageTraceContext.js';

/** Every migration in order, passed to the DataSource as classes. */
export const MIGRATIONS = [Initial1764288000000, Isolation1764720000000, ClaimOrder1764748800000, MessageTraceContext1764800000000];
