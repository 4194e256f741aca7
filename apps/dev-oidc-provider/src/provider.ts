import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderConfig } from './config.js';
import { errorPage, page } from './pages.js';
import { userById } from './users.js';

/** The scope of the admin API's resource: what the console asks for next to the OpenID scopes. */
export const ADMIN_SCOPE = 'admin';

const HOUR_S = 3600;

type Features = NonNullable<Configuration['features']>;

/** The console's redirect and post-logout URIs, and the origins allowed to call the token endpoint. */
export function consoleUris(config: ProviderConfig) {
  return {
    redirectUris: config.DEV_OIDC_CONSOLE_URLS.map((url) => `${url}/callback`),
    postLogoutRedirectUris: config.DEV_OIDC_CONSOLE_URLS.map((url) => `${url}/signed-out`),
    origins: new Set(config.DEV_OIDC_CONSOLE_URLS.map((url) => new URL(url).origin)),
  };
}

function sendHtml(ctx: KoaContextWithOIDC, status: number, html: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

/**
 * A fresh RS256 signing key (private, for the provider) and its public key set (what services verify
 * with, also written to `DEV_OIDC_JWKS_FILE` when set).
 */
export async function generateSigningKey(): Promise<{ privateJwk: JWK; publicJwks: { keys: JWK[] } }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const meta = { kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwks: { keys: [{ ...(await exportJWK(publicKey)), ...meta }] },
  };
}

/** The seeded user's claims: profile and organisation in the ID token, no userinfo call needed. */
const findAccount: Configuration['findAccount'] = async (_ctx, sub) => {
  const user = userById(sub);
  if (user === undefined) return undefined;
  return {
    accountId: user.id,
    claims: () => ({
      sub: user.id,
      name: user.name,
      email: user.email,
      email_verified: true,
      org: user.org,
      org_name: user.orgName,
      role: user.role,
    }),
  };
};

/** The admin API as the one resource: JWT access tokens for its audience, any other indicator refused. */
function adminResource(config: ProviderConfig): Features['resourceIndicators'] {
  const audience = config.DEV_OIDC_AUDIENCE;
  return {
    enabled: true,
    defaultResource: () => audience,
    useGrantedResource: () => true,
    getResourceServerInfo(_ctx, resourceIndicator) {
      if (resourceIndicator !== audience) throw new errors.InvalidTarget();
      return {
        scope: ADMIN_SCOPE,
        audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: config.DEV_OIDC_ACCESS_TOKEN_TTL_S,
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}

/** Sign-out from the console: a confirmation page, then a plain "signed out" page. */
const logoutPages: Features['rpInitiatedLogout'] = {
  enabled: true,
  logoutSource(ctx, form) {
    // `form` is the provider's own form (with its anti-forgery field) posting to end_session.
    sendHtml(
      ctx,
      200,
      page(
        'Sign out',
        `<h1>Sign out</h1>
<p>Sign out of the development identity provider as well?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
      ),
    );
  },
  postLogoutSuccessSource(ctx) {
    sendHtml(ctx, 200, page('Signed out', '<h1>Signed out</h1><p>You can close this page.</p>'));
  },
};

/**
 * The OpenID provider: one public client (the console: authorization code with PKCE, refresh tokens),
 * JWT access tokens for the admin API's resource indicator carrying the `org` and `role` claims the
 * admin API checks, and a fresh signing key on every start (tokens of a previous run stop verifying,
 * which is what a key rotation looks like to the services).
 */
export function createProvider(config: ProviderConfig, signingKey: JWK): Provider {
  const uris = consoleUris(config);

  const configuration: Configuration = {
    clients: [
      {
        client_id: config.DEV_OIDC_CLIENT_ID,
        client_name: 'EUDR console',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: uris.redirectUris,
        post_logout_redirect_uris: uris.postLogoutRedirectUris,
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'org', 'org_name', 'role'],
      email: ['email', 'email_verified'],
    },
    // The console shows who is signed in from the ID token alone, without a userinfo call.
    conformIdTokenClaims: false,
    findAccount,
    // What the admin API authorises by: the organisation and the role, in the access token itself.
    extraTokenClaims(_ctx, token) {
      const user = 'accountId' in token ? userById(token.accountId) : undefined;
      return user === undefined ? undefined : { org: user.org, role: user.role };
    },
    // A refresh token without offline_access, so the console renews its access token without a redirect.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    clientBasedCORS: (_ctx, origin) => uris.origins.has(origin),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: adminResource(config),
      rpInitiatedLogout: logoutPages,
    },
    ttl: {
      AccessToken: config.DEV_OIDC_ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      IdToken: HOUR_S,
      Interaction: HOUR_S,
      Session: 8 * HOUR_S,
      Grant: 8 * HOUR_S,
      RefreshToken: 8 * HOUR_S,
    },
    renderError(ctx, out) {
      const message = out.error_description ?? out.error;
      sendHtml(ctx, 400, errorPage('Sign-in failed', String(message)));
    },
  };
  const provider = new Provider(config.DEV_OIDC_ISSUER, configuration);
  provider.proxy = false;
  return provider;
}
