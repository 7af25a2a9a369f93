// Which config fields are credentials, per provider: a table written by hand from each
// provider's documentation, independent of the marks it checks. The API's config view and the
// log redaction derive from those marks, so a credential marked as a setting would be shown.
import { describe, expect, it } from '@jest/globals';
import { gitlab, hmacProvider, meta, VERIFIERS, publicConfig, SECRET_CONFIG_FIELDS, secretFieldsOf, secretValuesOf, SVIX_SIGNED_TYPES, type ProviderVerifier } from './sut.js';

const SHARED_SECRET = ['secret'];
const EXPECTED_SECRET_FIELDS: Record<string, string[]> = {
  ...Object.fromEntries([...SVIX_SIGNED_TYPES, 'svix', 'standard-webhooks'].map((t) => [t, SHARED_SECRET])),
  github: SHARED_SECRET,
  stripe: SHARED_SECRET,
  shopify: SHARED_SECRET,
  slack: SHARED_SECRET,
  hmac: SHARED_SECRET,
  twilio: SHARED_SECRET, // the auth token
  zoom: SHARED_SECRET,
  hubspot: SHARED_SECRET, // the app's client secret
  linear: SHARED_SECRET,
  paddle: SHARED_SECRET,
  square: SHARED_SECRET, // the signature key; notificationUrl is public
  intercom: SHARED_SECRET,
  bitbucket: SHARED_SECRET,
  pagerduty: SHARED_SECRET,
  typeform: SHARED_SECRET,
  gitlab: ['secret', 'signingToken'], // X-Gitlab-Token and the whsec_ signing token
  meta: ['secret', 'verifyToken'], // the app secret and the subscription verify token
  sendgrid: [], // a public key
  discord: [], // a public key
  'generic-webhook': [],
};

describe('secret config fields', () => {
  it.each([...VERIFIERS.values()].map((p) => [p.type, p] as const))('%s marks exactly its credentials secret', (type, provider) => {
    expect(Object.keys(EXPECTED_SECRET_FIELDS)).toContain(type);
    expect(secretFieldsOf(provider).sort()).toEqual([...EXPECTED_SECRET_FIELDS[type]!].sort());
  });

  it('names every secret field any provider has, for log redaction', () => {
    expect(SECRET_CONFIG_FIELDS).toEqual(['secret', 'signingToken', 'verifyToken']);
  });

  it('declares every field its parser returns (parsed from a config that sets them all)', () => {
    const full: [ProviderVerifier<unknown>, Record<string, unknown>][] = [
      [gitlab as ProviderVerifier<unknown>, { secret: 't', signingToken: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', toleranceSeconds: 60 }],
      [meta as ProviderVerifier<unknown>, { secret: 's', verifyToken: 'v' }],
      [
        hmacProvider as ProviderVerifier<unknown>,
        {
          secret: 's',
          secretEncoding: 'utf8',
          header: 'x-sig',
          algorithm: 'sha256',
          encoding: 'hex',
          prefix: 'sha256=',
          signedContent: '{timestamp}.{body}',
          timestampHeader: 'x-ts',
          toleranceSeconds: 10,
        },
      ],
    ];
    for (const [provider, raw] of full) {
      const parsed = provider.parseConfig(raw);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      expect(Object.keys(provider.configFields).sort()).toEqual(Object.keys(parsed.config as object).sort());
    }
  });
});

describe('publicConfig', () => {
  it('shows only declared settings: credentials and undeclared fields are withheld', () => {
    expect(publicConfig(gitlab, { secret: 'a', signingToken: 'b', toleranceSeconds: 5 })).toEqual({ toleranceSeconds: 5 });
    expect(publicConfig(meta, { secret: 'a', verifyToken: 'b' })).toEqual({});
    expect(publicConfig(hmacProvider, { secret: ['a', 'b'], header: 'x-sig', prefix: 'sha256=', surprise: 'c' })).toEqual({ header: 'x-sig', prefix: 'sha256=' });
    expect(publicConfig(gitlab, { toString: 'x', __proto__: 'y' } as Record<string, unknown>)).toEqual({});
  });
});

describe('secretValuesOf', () => {
  it('lists every credential value once, lists flattened, settings left out, undeclared strings counted', () => {
    expect(secretValuesOf(gitlab, { secret: ['t1', 't2', 't1'], signingToken: 'whsec_x', toleranceSeconds: 5 })).toEqual(['t1', 't2', 'whsec_x']);
    expect(secretValuesOf(hmacProvider, { secret: 's', header: 'x-sig', extra: 'e', n: 3 })).toEqual(['s', 'e']);
    expect(secretValuesOf(meta, { secret: '', verifyToken: 'v' })).toEqual(['v']);
  });
});
