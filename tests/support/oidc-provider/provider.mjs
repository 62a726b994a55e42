#!/usr/bin/env node
// A real external OpenID provider (the npm package oidc-provider) on 127.0.0.1 for the Qt Test
// suites: tests/oidcprovider.h starts it with QProcess. It needs no network at run time.
//
//   node provider.mjs [--config '<json>' | '<json>'] [--resource URL] [--scopes 'a b c'] ...
//
// Once listening it prints ONE JSON line on stdout,
//   {"issuer":"http://127.0.0.1:PORT","port":PORT,"jwks_uri":"...","token_endpoint":"...",...}
// and keeps running until stdin closes (so it dies with its parent), SIGTERM or SIGINT.
//
// Configuration (JSON keys; each also as a --kebab-case flag, later ones win):
//   resource        the resource server (audience) URL for which JWT access tokens are issued
//                   through resource indicators (RFC 8707); also the default when a token or
//                   authorization request names none. Default http://127.0.0.1:1/fhir/r4
//   audience        the access token's aud, default: resource
//   scopes          the scopes the resource server accepts, space separated (or a JSON array).
//                   Requested scopes outside this list are dropped from the token, not refused.
//   clientId, clientSecret   the confidential client (client_secret_basic or _post)
//   grantTypes      default ["client_credentials"]; add "authorization_code" and
//                   "refresh_token" for the code flow (the login and consent are approved
//                   automatically, for the account `user`)
//   redirectUris    for the code flow, default ["http://127.0.0.1/callback"]
//   user            the account (sub) the code flow logs in, default "test-user"
//   fhirUser        the fhirUser claim of that account's ID token, optional
//   patient         a `patient` claim put in every access token, optional
//   scopeClaim      "scope" (space separated string, the default) or "scp" (an array)
//   claims          further claims (an object) merged into every access token last; a null
//                   value removes a claim (e.g. {"exp": 1} for an expired token)
//   accessTokenTTL  seconds, default 3600
//   kid             the signing key's id, default a random one
//
// Per token request, headers on the POST to the token endpoint override the last four:
//   X-Test-Patient: <id>          X-Test-Scope-Claim: scope|scp
//   X-Test-Claims: <JSON object>
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

function fail(message) {
    process.stderr.write(`provider.mjs: ${message}\n`);
    process.exit(2);
}

function words(value, name) {
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map(String);
    if (typeof value === 'string') return value.split(/\s+/u).filter(Boolean);
    return fail(`${name} must be a string or an array of strings`);
}

function parseJson(text, what) {
    try {
        return JSON.parse(text);
    } catch (error) {
        return fail(`${what} is not JSON: ${error.message}`);
    }
}

function readConfig(argv) {
    const flags = {
        config: 'string',
        resource: 'string',
        audience: 'string',
        scopes: 'string',
        'client-id': 'string',
        'client-secret': 'string',
        'grant-types': 'string',
        'redirect-uris': 'string',
        user: 'string',
        'fhir-user': 'string',
        patient: 'string',
        'scope-claim': 'string',
        claims: 'string',
        'access-token-ttl': 'string',
        kid: 'string',
    };
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: Object.fromEntries(Object.entries(flags).map(([k, type]) => [k, { type }])),
            allowPositionals: true,
            strict: true,
        });
    } catch (error) {
        return fail(error.message);
    }
    const { values, positionals } = parsed;
    if (positionals.length > 1) fail('at most one JSON argument');

    const config = {};
    for (const text of [positionals[0], values.config]) {
        if (text === undefined) continue;
        const object = parseJson(text, 'the configuration');
        if (object === null || typeof object !== 'object' || Array.isArray(object)) {
            fail('the configuration must be a JSON object');
        }
        Object.assign(config, object);
    }
    const camel = (flag) => flag.replace(/-([a-z])/gu, (_, c) => c.toUpperCase());
    for (const [flag, value] of Object.entries(values)) {
        if (flag === 'config') continue;
        config[flag === 'access-token-ttl' ? 'accessTokenTTL' : camel(flag)] = value;
    }
    if (typeof config.claims === 'string') config.claims = parseJson(config.claims, '--claims');

    const known = new Set(['resource', 'audience', 'scopes', 'clientId', 'clientSecret',
        'grantTypes', 'redirectUris', 'user', 'fhirUser', 'patient', 'scopeClaim', 'claims',
        'accessTokenTTL', 'kid']);
    for (const key of Object.keys(config)) {
        if (!known.has(key)) fail(`unknown configuration key "${key}"`);
    }

    const resource = config.resource ?? 'http://127.0.0.1:1/fhir/r4';
    if (!URL.canParse(resource) || resource.includes('#')) {
        fail(`resource "${resource}" must be an absolute URL without a fragment`);
    }
    const result = {
        resource,
        audience: config.audience ?? resource,
        scopes: words(config.scopes, 'scopes') ?? ['system/*.rs', 'patient/*.rs', 'user/*.cruds'],
        clientId: config.clientId ?? 'test-client',
        clientSecret: config.clientSecret ?? 'test-secret',
        grantTypes: words(config.grantTypes, 'grantTypes') ?? ['client_credentials'],
        redirectUris: words(config.redirectUris, 'redirectUris') ?? ['http://127.0.0.1/callback'],
        user: config.user ?? 'test-user',
        fhirUser: config.fhirUser,
        patient: config.patient,
        scopeClaim: config.scopeClaim ?? 'scope',
        claims: config.claims ?? {},
        accessTokenTTL: Number(config.accessTokenTTL ?? 3600),
        kid: config.kid ?? `test-${randomBytes(6).toString('hex')}`,
    };
    if (!['scope', 'scp'].includes(result.scopeClaim)) fail('scopeClaim must be "scope" or "scp"');
    if (typeof result.claims !== 'object' || result.claims === null || Array.isArray(result.claims)) {
        fail('claims must be a JSON object');
    }
    if (!Number.isInteger(result.accessTokenTTL) || result.accessTokenTTL <= 0) {
        fail('accessTokenTTL must be a positive whole number of seconds');
    }
    return result;
}

const config = readConfig(process.argv.slice(2));

// oidc-provider 9 calls crypto.hash and URL.parse: Node.js 20.18 or later (it warns that it
// wants 22, and works on 20). Said here, before the import would fail with a riddle.
{
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major < 20 || (major === 20 && minor < 18)) {
        fail(`oidc-provider 9 needs Node.js 20.18 or later; this is ${process.version}`);
    }
}
const { default: Provider, errors } = await import('oidc-provider').catch((error) =>
    fail(`cannot load oidc-provider (node_modules next to this script, from npm ci): ${error.message}`));

// The signing key, new at every start: RS256 with a kid, published at jwks_uri.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: config.kid, alg: 'RS256', use: 'sig' };

// The per-request choices, from the token request's headers.
function tokenOptions(ctx) {
    const options = {
        patient: config.patient,
        scopeClaim: config.scopeClaim,
        claims: config.claims,
    };
    const patient = ctx?.get('x-test-patient');
    if (patient) options.patient = patient;
    const scopeClaim = ctx?.get('x-test-scope-claim');
    if (scopeClaim) {
        if (!['scope', 'scp'].includes(scopeClaim)) {
            throw new errors.InvalidRequest('X-Test-Scope-Claim must be "scope" or "scp"');
        }
        options.scopeClaim = scopeClaim;
    }
    const claims = ctx?.get('x-test-claims');
    if (claims) {
        let object;
        try {
            object = JSON.parse(claims);
        } catch {
            throw new errors.InvalidRequest('X-Test-Claims must be a JSON object');
        }
        if (typeof object !== 'object' || object === null || Array.isArray(object)) {
            throw new errors.InvalidRequest('X-Test-Claims must be a JSON object');
        }
        options.claims = { ...config.claims, ...object };
    }
    return options;
}

const server = createServer();
server.listen(0, '127.0.0.1');
await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
}).catch((error) => fail(`cannot listen on 127.0.0.1: ${error.message}`));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

// The endpoints' paths, set here so the line printed below cannot drift from them.
const routes = {
    authorization: '/auth',
    jwks: '/jwks',
    token: '/token',
    introspection: '/token/introspection',
    revocation: '/token/revocation',
    userinfo: '/me',
};

const codeFlow = config.grantTypes.includes('authorization_code');
const provider = new Provider(issuer, {
    clients: [{
        client_id: config.clientId,
        client_secret: config.clientSecret,
        grant_types: config.grantTypes,
        response_types: codeFlow ? ['code'] : [],
        redirect_uris: codeFlow ? config.redirectUris : [],
        token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes,
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', 'fhirUser'],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    features: {
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
            enabled: true,
            // A request that names no resource gets the configured one, as a SMART client
            // (which sends `aud` to /authorize, not `resource`) would expect.
            defaultResource: async (_ctx, _client, oneOf) => oneOf ?? config.resource,
            useGrantedResource: async () => true,
            getResourceServerInfo: async (_ctx, resourceIndicator) => {
                if (resourceIndicator !== config.resource) {
                    throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
                }
                return {
                    audience: config.audience,
                    scope: config.scopes.join(' '),
                    accessTokenTTL: config.accessTokenTTL,
                    accessTokenFormat: 'jwt',
                    jwt: { sign: { alg: 'RS256' } },
                };
            },
        },
    },
    findAccount: async (_ctx, sub) => ({
        accountId: sub,
        claims: async () => ({ sub, ...(config.fhirUser ? { fhirUser: config.fhirUser } : {}) }),
    }),
    extraTokenClaims: async (ctx) => {
        const { patient } = tokenOptions(ctx);
        return patient ? { patient } : undefined;
    },
    formats: {
        customizers: {
            jwt: async (ctx, _token, jwt) => {
                const { scopeClaim, claims } = tokenOptions(ctx);
                if (scopeClaim === 'scp') {
                    jwt.payload.scp = jwt.payload.scope ? jwt.payload.scope.split(' ') : [];
                    delete jwt.payload.scope;
                }
                for (const [name, value] of Object.entries(claims)) {
                    if (value === null) delete jwt.payload[name];
                    else jwt.payload[name] = value;
                }
            },
        },
    },
});

// The code flow's login and consent, approved without a person: whatever is missing is
// granted to config.user.
async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    let result;
    if (prompt.name === 'login') {
        result = { login: { accountId: config.user } };
    } else if (prompt.name === 'consent') {
        const grant = details.grantId
            ? await provider.Grant.find(details.grantId)
            : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const missing = prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
            grant.addResourceScope(indicator, scopes.join(' '));
        }
        result = { consent: { grantId: await grant.save() } };
    } else {
        result = { error: 'access_denied', error_description: `unexpected prompt ${prompt.name}` };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', (req, res) => {
    if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
        interaction(req, res).catch((error) => {
            res.statusCode = 500;
            res.setHeader('Content-Type', 'text/plain');
            res.end(`interaction failed: ${error.message}\n`);
        });
        return;
    }
    callback(req, res);
});

provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.stack}\n`));

function stop() {
    server.close();
    server.closeAllConnections();
    process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({
    issuer,
    port,
    jwks_uri: issuer + routes.jwks,
    discovery_uri: `${issuer}/.well-known/openid-configuration`,
    token_endpoint: issuer + routes.token,
    authorization_endpoint: issuer + routes.authorization,
    introspection_endpoint: issuer + routes.introspection,
    resource: config.resource,
    audience: config.audience,
    scopes: config.scopes,
    client_id: config.clientId,
    grant_types: config.grantTypes,
    redirect_uris: codeFlow ? config.redirectUris : [],
    kid: config.kid,
})}\n`);
