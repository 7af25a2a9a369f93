import type { HeaderBag } from './headers.js';

/** What a verifier sees of an inbound request: the exact bytes, the headers, and where it was sent. */
export interface SignedRequest {
  /** The raw body exactly as received; never a re-serialization. */
  readonly body: Uint8Array;
  readonly headers: HeaderBag;
  /** Upper-case HTTP method (schemes that sign it: HubSpot v3). */
  readonly method?: string;
  /** The full public URL the provider called (schemes that sign it: Twilio, Square, HubSpot). */
  readonly url?: string;
}

export interface VerifyOptions {
  /** The current time in milliseconds; defaults to Date.now(). Tests pin it. */
  readonly now?: number;
}
