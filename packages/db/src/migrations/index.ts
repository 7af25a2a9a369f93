import { Initial1764288000000 } from './1764288000000-Initial.js';
import { Isolation1764720000000 } from './1764720000000-Isolation.js';
import { ClaimOrder1764748800000 } from './1764748800000-ClaimOrder.js';
import { DedupWindow1764784800000 } from './1764784800000-DedupWindow.js';
import { MessageTraceContext1764800000000 } from './1764800000000-MessageTraceContext.js';
import { ExpungeContent1764806400000 } from './1764806400000-ExpungeContent.js';
import { Retention1764835200000 } from './1764835200000-Retention.js';
import { PartitionByTime1764864000000 } from './1764864000000-PartitionByTime.js';
import { AppPortalTokens1764878400000 } from './1764878400000-AppPortalTokens.js';

/** Every migration in order, passed to the DataSource as classes. */
export const MIGRATIONS = [
  Initial1764288000000,
  Isolation1764720000000,
  ClaimOrder1764748800000,
  DedupWindow1764784800000,
  MessageTraceContext1764800000000,
  ExpungeContent1764806400000,
  Retention1764835200000,
  PartitionByTime1764864000000,
  AppPortalTokens1764878400000,
];
