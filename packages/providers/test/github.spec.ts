import { describe, expect, it } from '@jest/globals';
import { sign, verify, verifyWithFallback } from '@octokit/webhooks-methods';
import { github, verifyHubSignature, type GithubConfig } from './sut.js';
import { HUGE, NON_UTF8_BODY, expectFailure, expectOk, flipByte, hex, refHmac, request } from './helpers.js';

const SECRET = 'gh-webhook-secret-0123456789';
const OLD_SECRET = 'gh-webhook-secret-previous';
const BODY = JSON.stringify({
  action: 'opened',
  number: 42,
  pull_request: { id: 1, title: 'Add ümlauts and emoji 🚀', head: { sha: 'a'.repeat(40) } },
  repository: { full_name: 'octo-org/hello-world' },
  sender: { login: 'octocat' },
});
const config: GithubConfig = { secret: SECRET };

/** The documented bytes: `sha256=` + hex HMAC-SHA256 of the raw body, built with @noble/hashes. */
function ref256(secret: string, body: string | Uint8Array): string {
  return `sha256=${hex(refHmac('sha256', secret, body))}`;
}

describe('github: golden vector from the GitHub docs', () => {
  const docsSecret = "It's a Secret to Everybody";
  const docsSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('octokit reproduces the published vector (the oracle is genuine)', async () => {
    await expect(sign(docsSecret, 'Hello, World!')).resolves.toBe(docsSignature);
  });

  it('the independent HMAC reproduces it too', () => {
    expect(ref256(docsSecret, 'Hello, World!')).toBe(docsSignature);
  });

  it('our verifier accepts it', () => {
    expectOk(github.verify(request('Hello, World!', { 'X-Hub-Signature-256': docsSignature }), { secret: docsSecret }));
  });

  it('our verifier rejects it with a trailing newline in the body', () => {
    expectFailure(github.verify(request('Hello, World!\n', { 'x-hub-signature-256': docsSignature }), { secret: docsSecret }), 'bad_signature');
  });
});

describe('github: cross-checked with @octokit/webhooks-methods', () => {
  it.each([
    ['a JSON payload', BODY],
    ['a one-byte payload', 'x'],
    ['a form-encoded payload', `payload=${encodeURIComponent(BODY)}`],
    ['a 1 MiB payload', JSON.stringify({ blob: 'z'.repeat(1024 * 1024) })],
  ])('octokit signs %s, we accept', async (_name, body) => {
    const signature = await sign(SECRET, body);
    expectOk(github.verify(request(body, { 'x-hub-signature-256': signature }), config));
  });

  it('octokit signs with the wrong secret, we reject', async () => {
    const signature = await sign('another-secret', BODY);
    expectFailure(github.verify(request(BODY, { 'x-hub-signature-256': signature }), config), 'bad_signature');
  });

  it('octokit signs, we reject one flipped body byte', async () => {
    const signature = await sign(SECRET, BODY);
    expectFailure(github.verify(request(flipByte(BODY), { 'x-hub-signature-256': signature }), config), 'bad_signature');
  });

  it('we build the documented bytes independently, octokit and our verifier both accept', async () => {
    const signature = ref256(SECRET, BODY);
    await expect(verify(SECRET, BODY, signature)).resolves.toBe(true);
    expectOk(github.verify(request(BODY, { 'x-hub-signature-256': signature }), config));
  });

  it('octokit and our verifier both reject the mutated vector', async () => {
    const signature = ref256(SECRET, BODY);
    const mutated = BODY.replace('opened', 'closed');
    await expect(verify(SECRET, mutated, signature)).resolves.toBe(false);
    expectFailure(github.verify(request(mutated, { 'x-hub-signature-256': signature }), config), 'bad_signature');
  });

  it('legacy sha1: octokit signs X-Hub-Signature, we accept only when allowSha1 is set', async () => {
    const signature = await sign({ secret: SECRET, algorithm: 'sha1' as never }, BODY);
    expect(signature).toMatch(/^sha1=[0-9a-f]{40}$/);
    expectOk(github.verify(request(BODY, { 'x-hub-signature': signature }), { secret: SECRET, allowSha1: true }));
    expectFailure(github.verify(request(BODY, { 'x-hub-signature': signature }), config), 'missing_header');
  });

  it('legacy sha1: the sha256 header wins when both are present', async () => {
    const sha1 = await sign({ secret: SECRET, algorithm: 'sha1' as never }, BODY);
    const badSha256 = ref256('wrong', BODY);
    const result = github.verify(request(BODY, { 'x-hub-signature': sha1, 'x-hub-signature-256': badSha256 }), { secret: SECRET, allowSha1: true });
    expectFailure(result, 'bad_signature');
  });

  it('legacy sha1: an oversized sha256 header is not treated as absent', async () => {
    const sha1 = await sign({ secret: SECRET, algorithm: 'sha1' as never }, BODY);
    const result = github.verify(request(BODY, { 'x-hub-signature': sha1, 'x-hub-signature-256': `sha256=${HUGE}` }), { secret: SECRET, allowSha1: true });
    expectFailure(result, 'malformed');
  });

  it('rotation: octokit verifyWithFallback and our verifier agree on an old-secret signature', async () => {
    const signature = await sign(OLD_SECRET, BODY);
    await expect(verifyWithFallback(SECRET, BODY, signature, [OLD_SECRET])).resolves.toBe(true);
    const result = github.verify(request(BODY, { 'x-hub-signature-256': signature }), { secret: [SECRET, OLD_SECRET] });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it('rotation: a signature by the new secret reports index 0', async () => {
    const signature = await sign(SECRET, BODY);
    expect(github.verify(request(BODY, { 'x-hub-signature-256': signature }), { secret: [SECRET, OLD_SECRET] })).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it('rotation: once the old secret is removed, its signatures fail', async () => {
    const signature = await sign(OLD_SECRET, BODY);
    expectFailure(github.verify(request(BODY, { 'x-hub-signature-256': signature }), { secret: [SECRET] }), 'bad_signature');
  });
});

describe('github: one broken thing per case', () => {
  const good = ref256(SECRET, BODY);
  const cases: [string, Uint8Array | string, Record<string, string | string[]>, GithubConfig, string][] = [
    ['wrong secret', BODY, { 'x-hub-signature-256': ref256('nope', BODY) }, config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY, 3), { 'x-hub-signature-256': good }, config, 'bad_signature'],
    ['last body byte flipped', flipByte(BODY, BODY.length - 1), { 'x-hub-signature-256': good }, config, 'bad_signature'],
    ['missing header', BODY, {}, config, 'missing_header'],
    ['empty header', BODY, { 'x-hub-signature-256': '' }, config, 'missing_header'],
    ['whitespace-only header', BODY, { 'x-hub-signature-256': '   ' }, config, 'missing_header'],
    ['duplicated header with different values', BODY, { 'x-hub-signature-256': [good, ref256('other', BODY)] }, config, 'malformed'],
    ['64 KiB header', BODY, { 'x-hub-signature-256': `sha256=${HUGE}` }, config, 'malformed'],
    ['wrong prefix sha1= in the sha256 header', BODY, { 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }, config, 'malformed'],
    ['upper-case prefix', BODY, { 'x-hub-signature-256': good.replace('sha256=', 'SHA256=') }, config, 'malformed'],
    ['no prefix', BODY, { 'x-hub-signature-256': good.slice('sha256='.length) }, config, 'malformed'],
    ['non-hex digest', BODY, { 'x-hub-signature-256': `sha256=${'g'.repeat(64)}` }, config, 'malformed'],
    ['odd-length hex digest', BODY, { 'x-hub-signature-256': good.slice(0, -1) }, config, 'malformed'],
    ['base64 instead of hex', BODY, { 'x-hub-signature-256': `sha256=${Buffer.from(good.slice(7), 'hex').toString('base64')}` }, config, 'malformed'],
    ['truncated digest (valid hex)', BODY, { 'x-hub-signature-256': good.slice(0, -2) }, config, 'bad_signature'],
    ['digest with an extra byte', BODY, { 'x-hub-signature-256': `${good}00` }, config, 'bad_signature'],
    ['empty prefix value', BODY, { 'x-hub-signature-256': 'sha256=' }, config, 'malformed'],
    ['signature of an empty body sent with a body', BODY, { 'x-hub-signature-256': ref256(SECRET, '') }, config, 'bad_signature'],
    ['empty secret list', BODY, { 'x-hub-signature-256': good }, { secret: [] }, 'invalid_config'],
    ['empty secret', BODY, { 'x-hub-signature-256': good }, { secret: '' }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, headers, cfg, reason) => {
    expectFailure(github.verify(request(body, headers), cfg), reason as never);
  });

  it('duplicated header with the same value twice is one value', () => {
    expectOk(github.verify(request(BODY, { 'x-hub-signature-256': [good, good] }), config));
  });

  it('header name lookup is case-insensitive', () => {
    expectOk(github.verify(request(BODY, { 'X-HUB-SIGNATURE-256': good }), config));
  });

  it('upper-case hex digits are accepted (same bytes)', () => {
    expectOk(github.verify(request(BODY, { 'x-hub-signature-256': `sha256=${good.slice(7).toUpperCase()}` }), config));
  });

  it('surrounding whitespace in the header value is ignored', () => {
    expectOk(github.verify(request(BODY, { 'x-hub-signature-256': `  ${good} ` }), config));
  });

  it('an empty body verifies when it is what was signed', () => {
    expectOk(github.verify(request('', { 'x-hub-signature-256': ref256(SECRET, '') }), config));
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(github.verify(request(NON_UTF8_BODY, { 'x-hub-signature-256': ref256(SECRET, NON_UTF8_BODY) }), config));
    // The lossy UTF-8 round trip of the same body must not verify.
    const lossy = Buffer.from(Buffer.from(NON_UTF8_BODY).toString('utf8'));
    expectFailure(github.verify(request(lossy, { 'x-hub-signature-256': ref256(SECRET, NON_UTF8_BODY) }), config), 'bad_signature');
  });

  it('a secret with non-ASCII characters is used as UTF-8 (as octokit does)', async () => {
    const secret = 'sécret-🔑';
    const signature = await sign(secret, BODY);
    expect(signature).toBe(ref256(secret, BODY));
    expectOk(github.verify(request(BODY, { 'x-hub-signature-256': signature }), { secret }));
  });
});

describe('verifyHubSignature (Bitbucket, Intercom, Meta share it)', () => {
  it.each(['sha1', 'sha256', 'sha512'] as const)('%s=<hex> over the raw body', (algorithm) => {
    const signature = `${algorithm}=${hex(refHmac(algorithm, SECRET, BODY))}`;
    expectOk(verifyHubSignature(request(BODY, { 'x-hub-signature': signature }), SECRET, 'x-hub-signature', algorithm));
    expectFailure(verifyHubSignature(request(BODY, { 'x-hub-signature': signature }), 'x', 'x-hub-signature', algorithm), 'bad_signature');
  });

  it('a sha1 digest in a sha256 scheme is malformed (prefix) not accepted', () => {
    const signature = `sha1=${hex(refHmac('sha1', SECRET, BODY))}`;
    expectFailure(verifyHubSignature(request(BODY, { 'x-hub-signature': signature }), SECRET, 'x-hub-signature', 'sha256'), 'malformed');
  });
});

describe('github: parseConfig', () => {
  it.each([
    [{ secret: 's' }, true],
    [{ secret: ['a', 'b'] }, true],
    [{ secret: 's', allowSha1: true }, true],
    [{ secret: '' }, false],
    [{ secret: [] }, false],
    [{ secret: ['a', ''] }, false],
    [{ secret: Array.from({ length: 11 }, (_, i) => `s${i}`) }, false],
    [{ secret: 'x'.repeat(1025) }, false],
    [{ secret: 42 }, false],
    [{ secret: 's', allowSha1: 'yes' }, false],
    [{}, false],
    [null, false],
    ['secret', false],
    [[], false],
  ])('%j → ok=%s', (raw, ok) => {
    expect(github.parseConfig(raw).ok).toBe(ok);
  });

  it('lists every bad field', () => {
    const result = github.parseConfig({ secret: 3, allowSha1: 'no' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.field).sort()).toEqual(['allowSha1', 'secret']);
  });
});
