//! Credentials, access tokens, scopes, and the parsing of Authorization headers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;

use super::envelope;
use super::envelope::Reject;
use super::rate_limit::{self, RateHeaders};
use super::state::Shared;
use super::{Credential, Scope};

/// What a call needs from the token's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Any GET: users, fields, roles, groups.
    Read,
    /// Update a user or its custom attributes.
    ManageUsers,
    /// Role changes.
    ManageAll,
}

pub(crate) fn allows(scope: Scope, need: Need) -> bool {
    match need {
        Need::Read => true,
        Need::ManageUsers => matches!(scope, Scope::ManageUsers | Scope::ManageAll),
        Need::ManageAll => scope == Scope::ManageAll,
    }
}

/// Which credential pair a token was issued to: an index into the credentials, which are
/// only ever added. Events name the caller's `client_id` through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientRef(usize);

#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) scope: Scope,
    pub(crate) client: ClientRef,
    pub(crate) expires_at: Instant,
}

/// A freshly issued token, as the token endpoints report it.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

#[derive(Debug)]
pub(crate) struct AuthState {
    credentials: Vec<Credential>,
    tokens: HashMap<String, TokenInfo>,
}

impl AuthState {
    /// One pair per scope; the Manage All pair is the configured one, the
    /// others are derived from it so they are stable across runs.
    pub(crate) fn new(client_id: &str, client_secret: &str) -> AuthState {
        let credentials = Scope::ALL
            .iter()
            .map(|&scope| {
                if scope == Scope::ManageAll {
                    Credential {
                        scope,
                        client_id: client_id.to_string(),
                        client_secret: client_secret.to_string(),
                    }
                } else {
                    Credential {
                        scope,
                        client_id: format!("{client_id}-{}", scope.slug()),
                        client_secret: format!("{client_secret}-{}", scope.slug()),
                    }
                }
            })
            .collect();
        AuthState {
            credentials,
            tokens: HashMap::new(),
        }
    }

    pub(crate) fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    pub(crate) fn add_random(&mut self, scope: Scope) -> Credential {
        let cred = Credential {
            scope,
            client_id: random_hex(32),
            client_secret: random_hex(64),
        };
        self.credentials.push(cred.clone());
        cred
    }

    /// The credential matching this pair, if any.
    pub(crate) fn check(&self, client_id: &str, client_secret: &str) -> Option<(Scope, ClientRef)> {
        self.credentials
            .iter()
            .position(|c| c.client_id == client_id && c.client_secret == client_secret)
            .map(|i| (self.credentials[i].scope, ClientRef(i)))
    }

    /// The `client_id` of a credential.
    pub(crate) fn client_id(&self, client: ClientRef) -> Option<&str> {
        self.credentials.get(client.0).map(|c| c.client_id.as_str())
    }

    pub(crate) fn issue(
        &mut self,
        scope: Scope,
        client: ClientRef,
        ttl: Duration,
        now: Instant,
    ) -> Issued {
        self.tokens.retain(|_, t| t.expires_at > now);
        let access_token = random_hex(64);
        let refresh_token = random_hex(64);
        self.tokens.insert(
            access_token.clone(),
            TokenInfo {
                scope,
                client,
                expires_at: now + ttl,
            },
        );
        Issued {
            access_token,
            refresh_token,
        }
    }

    /// The scope and credential of a live token.
    pub(crate) fn validate(&self, token: &str, now: Instant) -> Option<(Scope, ClientRef)> {
        self.tokens
            .get(token)
            .filter(|t| t.expires_at > now)
            .map(|t| (t.scope, t.client))
    }

    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        self.tokens.remove(token).is_some()
    }

    pub(crate) fn expire_all(&mut self) {
        self.tokens.clear();
    }
}

/// Unpredictable hex: tokens and secrets are not derived from the seed.
pub(crate) fn random_hex(len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| HEX[rng.random_range(0..16)] as char)
        .collect()
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()
}

/// The token of `bearer:<t>`, `bearer: <t>`, `bearer <t>` or `Bearer <t>`.
pub(crate) fn parse_bearer(headers: &HeaderMap) -> Option<String> {
    let value = authorization(headers)?.trim();
    let prefix = value.get(..6)?;
    if !prefix.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = &value[6..];
    let token = if let Some(after) = rest.strip_prefix(':') {
        after.trim_start()
    } else if rest.starts_with([' ', '\t']) {
        rest.trim_start()
    } else {
        return None;
    };
    if token.is_empty() || token.contains(char::is_whitespace) {
        return None;
    }
    Some(token.to_string())
}

/// The pair of `client_id:<id>, client_secret:<secret>` (any case, with or
/// without the space) or `Basic base64(id:secret)`.
pub(crate) fn parse_client_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = authorization(headers)?.trim();
    if let Some(prefix) = value.get(..6)
        && prefix.eq_ignore_ascii_case("basic ")
    {
        let decoded = STANDARD.decode(value[6..].trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        return Some((id.to_string(), secret.to_string()));
    }
    let mut id = None;
    let mut secret = None;
    for part in value.split(',') {
        let (key, val) = part.split_once(':')?;
        let key = key.trim();
        let val = val.trim();
        if key.eq_ignore_ascii_case("client_id") {
            id = Some(val.to_string());
        } else if key.eq_ignore_ascii_case("client_secret") {
            secret = Some(val.to_string());
        } else {
            return None;
        }
    }
    match (id, secret) {
        (Some(id), Some(secret)) if !id.is_empty() => Some((id, secret)),
        _ => None,
    }
}

/// What a resource call learns from a good bearer token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Granted {
    pub(crate) scope: Scope,
    /// The credential the token was issued to (events carry its `client_id`).
    pub(crate) client: ClientRef,
    pub(crate) rate: RateHeaders,
}

/// Why the gate refused a resource call, before any answer shape is chosen:
/// /1 words it in the status envelope, /2 in its own error object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// No Authorization header, or not a bearer form.
    Header,
    /// An unknown, revoked or expired token.
    Token,
    /// The account's window is spent (the call was not counted).
    RateLimited,
    /// The token's scope is too low for the call.
    Scope,
}

/// The gate in front of every resource call, /1 and /2 alike: header, token,
/// rate limit, scope. The call counts against the one account budget once
/// the token is good.
pub(crate) fn admit(shared: &Shared, headers: &HeaderMap, need: Need) -> Result<Granted, Denied> {
    let token = parse_bearer(headers).ok_or(Denied::Header)?;
    let now = Instant::now();
    let mut st = shared.lock();
    let (scope, client) = st.auth.validate(&token, now).ok_or(Denied::Token)?;
    // Locks whose time has passed end before anything is read or written.
    st.settle_locks(chrono::Utc::now());
    let Some(rate) = st.rate.take(now) else {
        st.stats.rate_limited += 1;
        return Err(Denied::RateLimited);
    };
    st.stats.api_calls += 1;
    if !allows(scope, need) {
        return Err(Denied::Scope);
    }
    Ok(Granted {
        scope,
        client,
        rate,
    })
}

/// The /1 gate: header (400), token (401), rate limit (429), scope (401).
pub(crate) fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    need: Need,
) -> Result<Granted, Reject> {
    admit(shared, headers, need).map_err(|denied| {
        match denied {
            Denied::Header => envelope::auth_info_incorrect(),
            Denied::Token => envelope::authentication_failure(),
            Denied::RateLimited => rate_limit::too_many_requests(),
            Denied::Scope => envelope::insufficient_permission(),
        }
        .into()
    })
}

/// The gate of a call on one user: `authorize` first, then the id, which must be an integer
/// (400 with the object message otherwise). The order is the service's: auth before id.
pub(crate) fn authorize_user(
    shared: &Shared,
    headers: &HeaderMap,
    need: Need,
    raw_id: &str,
) -> Result<(Granted, i64), Reject> {
    let granted = authorize(shared, headers, need)?;
    let id = super::users::parse_id(raw_id)?;
    Ok((granted, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn bearer_forms() {
        for v in [
            "bearer:abc",
            "bearer: abc",
            "bearer abc",
            "Bearer abc",
            "BEARER:abc",
        ] {
            assert_eq!(parse_bearer(&h(v)).as_deref(), Some("abc"), "{v}");
        }
        for v in [
            "bearerabc",
            "bearer:",
            "bearer",
            "token abc",
            "bearer: a b",
            "Basic abc",
        ] {
            assert_eq!(parse_bearer(&h(v)), None, "{v}");
        }
        assert_eq!(parse_bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn client_credential_forms() {
        let want = Some(("id1".to_string(), "s:1".to_string()));
        assert_eq!(
            parse_client_credentials(&h("client_id:id1, client_secret:s:1")),
            want
        );
        assert_eq!(
            parse_client_credentials(&h("client_id:id1,client_secret:s:1")),
            want
        );
        assert_eq!(
            parse_client_credentials(&h("CLIENT_ID: id1, Client_Secret: s:1")),
            want
        );
        let basic = format!("Basic {}", STANDARD.encode("id1:s:1"));
        assert_eq!(parse_client_credentials(&h(&basic)), want);
        assert_eq!(parse_client_credentials(&h("client_id:id1")), None);
        assert_eq!(parse_client_credentials(&h("bearer:x")), None);
    }
}
