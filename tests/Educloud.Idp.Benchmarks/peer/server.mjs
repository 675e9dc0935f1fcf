// node oidc-provider configured like the Educloud IdP, as the benchmark's peer
// (tests/Educloud.Idp.Benchmarks --peer, docs/performance.md "Run it"). One process: the library's
// own in-memory adapter on a store that forgets nothing before it expires (below); plain HTTP on
// 127.0.0.1, behind the benchmark standing in for a TLS-terminating proxy (X-Forwarded-Proto:
// https), as the IdP is loaded.
//
//   PEER_ISSUER=https://127.0.0.1:PORT PEER_APP_SECRET=... PEER_MACHINE_SECRET=... PEER_TOTP_KEY=... \
//   PEER_SIGNING_KEYS=es256.pem:rs256.pem node server.mjs PORT
//
// The secrets and keys are generated per run by the benchmark (PeerProcess.cs). PEER_TOTP_KEY
// (base64url) derives each person's authenticator key: HMAC-SHA256(PEER_TOTP_KEY, account id),
// first 20 bytes, which the benchmark computes too (it stands in for the enrollment the IdP does
// on a first login).
import { createHmac, createPrivateKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
// The library's default adapter, imported to give it a store of our own (oidc-provider has no exports map).
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const port = Number(process.argv[2]);
const issuer = process.env.PEER_ISSUER;
const appSecret = process.env.PEER_APP_SECRET;
const machineSecret = process.env.PEER_MACHINE_SECRET;
const totpKey = Buffer.from(process.env.PEER_TOTP_KEY ?? '', 'base64url');
const keyPaths = (process.env.PEER_SIGNING_KEYS ?? '').split(':').filter(Boolean);
if (!Number.isInteger(port) || port <= 0 || !issuer || !appSecret || !machineSecret || totpKey.length < 16 || keyPaths.length === 0) {
  console.error('usage: PEER_ISSUER, PEER_APP_SECRET, PEER_MACHINE_SECRET, PEER_TOTP_KEY (base64url, 16+ bytes) and PEER_SIGNING_KEYS (PEM files, :-separated) set; node server.mjs PORT');
  process.exit(2);
}

// The IdP's clients in the benchmark (tests/Educloud.Idp.Benchmarks/IdpProcess.cs), and its scopes.
const redirectUri = 'http://127.0.0.1/cb';
const scopes = 'openid offline_access';
// Every access token names one API (the IdP's AppAudience): here one resource server for both clients.
const resource = 'urn:educloud:bench-api';

// Signing keys read from PEM files, like the IdP's: the first signs (P-256, ES256), an RSA key is
// also offered (RS256), as the IdP's development keys.
const signingKeys = keyPaths.map((path) => {
  const jwk = createPrivateKey(readFileSync(path)).export({ format: 'jwk' });
  return { ...jwk, use: 'sig', alg: jwk.kty === 'EC' ? 'ES256' : 'RS256' };
});

// The IdP's token lifetimes (src/IdP/Settings/TokenOptions.cs), in seconds.
const minutes = (n) => n * 60;
const ttl = {
  AccessToken: minutes(10),
  ClientCredentials: minutes(10),
  IdToken: minutes(10),
  AuthorizationCode: minutes(2),
  Interaction: minutes(10),
  Session: minutes(60 * 12),
  Grant: minutes(60 * 12),
  // An absolute lifetime: a rotated refresh token keeps its chain's expiry (RFC 9700 4.14.2).
  // (iiat: when the chain's first token was issued, carried over by every rotation.)
  RefreshToken: (ctx, token) => Math.max(1, token.iiat + minutes(60 * 12) - Math.floor(Date.now() / 1000)),
};

// The default in-memory adapter keeps at most 1,000 entries (an LRU): under load it forgets grants
// and refresh tokens (refresh chains broke in the first runs) and its memory never grows. Like the
// IdP's database, this store keeps every entry until it expires (the adapter passes maxAge), and
// drops expired ones once a minute. The adapter's logic (grant membership, consumption, revocation
// by grant) is the library's.
class ExpiringStore {
  #entries = new Map();

  get(key) {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }

    return entry?.value;
  }

  set(key, value, { maxAge } = {}) {
    this.#entries.set(key, { value, expiresAt: Number.isFinite(maxAge) ? Date.now() + maxAge : Infinity });
  }

  delete(key) {
    this.#entries.delete(key);
  }

  sweep() {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
      }
    }
  }
}

const store = new ExpiringStore();
setInterval(() => store.sweep(), 60_000).unref();

const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, store),
  clients: [
    {
      client_id: 'bench-app',
      client_secret: appSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      scope: scopes,
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: 'bench-machine',
      client_secret: machineSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: signingKeys },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: scopes.split(' '),
  claims: { openid: ['sub'] },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      // The granted resource is used at the token endpoint even with openid (no opaque userinfo token).
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) {
          throw new Provider.errors.InvalidTarget();
        }

        return { scope: scopes, audience: resource, accessTokenTTL: ttl.AccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: (ctx, out) => {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
});
// Behind a TLS-terminating proxy: X-Forwarded-Proto says the request came over HTTPS.
provider.proxy = true;
provider.on('server_error', (ctx, error) => console.error('server_error', error));

// RFC 6238: HMAC-SHA1, 30-s steps, 6 digits, one step of drift either way (as the IdP), and a code
// accepted once per person per step (the IdP's rule; kept in memory here).
const lastStep = new Map();
const personKey = (account) => createHmac('sha256', totpKey).update(account).digest().subarray(0, 20);
function totp(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigInt64BE(BigInt(step));
  const hash = createHmac('sha1', key).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  return String((hash.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function verify(account, code) {
  const key = personKey(account);
  const now = Math.floor(Date.now() / 30_000);
  const typed = Buffer.from(code);
  for (const step of [now - 1, now, now + 1]) {
    if (step > (lastStep.get(account) ?? -Infinity) && timingSafeEqual(Buffer.from(totp(key, step)), typed)) {
      lastStep.set(account, step);
      return true;
    }
  }

  return false;
}

const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid, error = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
${error ? `<p role="alert">${escape(error)}</p>` : ''}<form method="post" action="/interaction/${escape(uid)}/login">
<label>Account <input type="text" name="login" autocomplete="username" required></label>
<label>Code <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required></label>
<button type="submit">Sign in</button>
</form></body></html>`;

async function form(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) {
      throw new Error('form too large');
    }
  }

  return new URLSearchParams(body);
}

// The login page: GET /interaction/:uid shows the form, POST /interaction/:uid/login checks the
// account and its code, grants the requested scopes and resource (no consent page, as the IdP's
// first-party apps) and returns to the authorization.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
  if (!match) {
    return next();
  }

  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1] || details.prompt.name !== 'login') {
    ctx.status = 400;
    ctx.body = 'unknown interaction';
    return undefined;
  }

  if (ctx.method === 'GET' && !match[2]) {
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return undefined;
  }

  if (ctx.method !== 'POST' || !match[2]) {
    ctx.status = 405;
    return undefined;
  }

  const fields = await form(ctx.req);
  const account = fields.get('login') ?? '';
  const code = fields.get('code') ?? '';
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(account) || !/^[0-9]{6}$/.test(code) || !verify(account, code)) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page(details.uid, 'Wrong account or code.');
    return undefined;
  }

  const { params } = details;
  const grant = new provider.Grant({ accountId: account, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  if (params.resource) {
    grant.addResourceScope(params.resource, params.scope);
  }

  const grantId = await grant.save();
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId: account, amr: ['otp'] },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
  return undefined;
});

const server = createServer(provider.callback());
server.keepAliveTimeout = 5 * 60 * 1000;
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider peer listening on 127.0.0.1:${port}, issuer ${issuer}`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
