//! OAuth2 client credentials: get a token, renew it before it expires (one
//! renewal in flight however many calls wait), revoke it.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::client::{Auth, Client, HTTP_LOG_TARGET, Request};
use super::envelope::{ApiError, lenient_int};

pub const TOKEN_PATH: &str = "/auth/oauth2/v2/token";
pub const REVOKE_PATH: &str = "/auth/oauth2/revoke";

/// When the server does not say: the documented 10 h.
const DEFAULT_EXPIRES_IN: u64 = 36_000;

pub(crate) struct Token {
    pub access: SecretString,
    /// Renew from here on (expiry minus a margin).
    pub renew_at: Instant,
    /// Which fetch produced it, so a 401 on an old token does not renew twice.
    pub generation: u64,
}

#[derive(Default)]
pub(crate) struct TokenState {
    pub current: Option<Token>,
    pub generation: u64,
}

/// What the token endpoint gave us.
struct TokenAnswer {
    access: SecretString,
    expires_in: Duration,
}

/// Renewal margin: min(60 s, a tenth of the lifetime).
pub(crate) fn renewal_margin(expires_in: Duration) -> Duration {
    (expires_in / 10).min(Duration::from_secs(60))
}

/// Read a token answer: bare `{"access_token",…}` (v2) or wrapped
/// `{"status",…,"data":[{…}]}` (older endpoint).
fn parse_token(v: &Value) -> Result<TokenAnswer, String> {
    let obj = if v.get("access_token").is_some() {
        v
    } else {
        match v.get("data") {
            Some(Value::Array(items)) => {
                items.first().ok_or("the token answer's `data` is empty")?
            }
            Some(d @ Value::Object(_)) => d,
            _ => return Err("the token answer has no `access_token`".into()),
        }
    };
    let access = match obj.get("access_token") {
        Some(Value::String(s)) if !s.trim().is_empty() => SecretString::from(s.trim().to_string()),
        _ => return Err("the token answer has no usable `access_token`".into()),
    };
    let expires_in = obj
        .get("expires_in")
        .and_then(lenient_int)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(DEFAULT_EXPIRES_IN);
    Ok(TokenAnswer {
        access,
        expires_in: Duration::from_secs(expires_in),
    })
}

impl Client {
    /// Ask the token endpoint for a fresh token.
    async fn fetch_token(&self) -> Result<TokenAnswer, ApiError> {
        let req = Request::new(Method::POST, self.url(TOKEN_PATH)?)
            .json_body(r#"{"grant_type":"client_credentials"}"#.to_string());
        let v = self.send_json(&req, Auth::ClientCredentials).await?;
        parse_token(&v).map_err(|m| req.decode_error(m))
    }

    /// Fetch and store a token; the caller holds the state lock, so only one
    /// renewal is ever in flight.
    async fn renew_locked(&self, st: &mut TokenState) -> Result<(SecretString, u64), ApiError> {
        st.current = None;
        let asked_at = Instant::now();
        let answer = self.fetch_token().await?;
        st.generation += 1;
        let renew_at = asked_at
            + answer
                .expires_in
                .saturating_sub(renewal_margin(answer.expires_in));
        let out = (answer.access.clone(), st.generation);
        st.current = Some(Token {
            access: answer.access,
            renew_at,
            generation: st.generation,
        });
        Ok(out)
    }

    /// A valid token and its generation, fetching one if none is fresh.
    pub(crate) async fn bearer(&self) -> Result<(SecretString, u64), ApiError> {
        let mut st = self.inner.token.lock().await;
        // Checked under the lock: whoever waited behind a renewal uses its result.
        if let Some(t) = &st.current
            && Instant::now() < t.renew_at
        {
            return Ok((t.access.clone(), t.generation));
        }
        self.renew_locked(&mut st).await
    }

    /// After a 401 on the token of `failed_generation`: renew, unless another
    /// call already did.
    pub(crate) async fn renew_after(
        &self,
        failed_generation: u64,
    ) -> Result<SecretString, ApiError> {
        let mut st = self.inner.token.lock().await;
        if let Some(t) = &st.current
            && t.generation != failed_generation
            && Instant::now() < t.renew_at
        {
            return Ok(t.access.clone());
        }
        self.renew_locked(&mut st).await.map(|(t, _)| t)
    }

    /// Runs `send` with the bearer token; after an authentication failure, renews
    /// the token once and runs it once more. Every authenticated call (/1 and /2) goes here.
    pub(crate) async fn authorized<T, F, Fut>(&self, send: F) -> Result<T, ApiError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let (token, generation) = self.bearer().await?;
        match send(token).await {
            Err(e) if e.is_auth_failure() => {
                tracing::debug!(target: HTTP_LOG_TARGET, "token refused: renewing once and retrying");
                let token = self.renew_after(generation).await?;
                send(token).await
            }
            other => other,
        }
    }

    /// Make sure a valid token is held (fetch one if needed). Useful to check credentials.
    pub async fn ensure_token(&self) -> Result<(), ApiError> {
        self.bearer().await.map(|_| ())
    }

    /// Whether a token is held and not yet due for renewal.
    pub async fn has_token(&self) -> bool {
        let st = self.inner.token.lock().await;
        st.current
            .as_ref()
            .is_some_and(|t| Instant::now() < t.renew_at)
    }

    /// Revoke the current token (if any) and forget it. The token is forgotten
    /// even if the revoke call fails: the caller asked to stop using it.
    pub async fn revoke_token(&self) -> Result<(), ApiError> {
        let mut st = self.inner.token.lock().await;
        let Some(token) = st.current.take() else {
            return Ok(());
        };
        let body = serde_json::json!({ "access_token": token.access.expose_secret() }).to_string();
        let req = Request::new(Method::POST, self.url(REVOKE_PATH)?).json_body(body);
        self.send_json(&req, Auth::ClientCredentials)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_token_answer() {
        let v: Value = serde_json::from_str(
            r#"{"access_token":"abc","created_at":"2015-11-11T03:36:18.714Z","expires_in":36000,"refresh_token":"def","token_type":"bearer","account_id":555}"#,
        )
        .unwrap();
        let t = parse_token(&v).unwrap();
        assert_eq!(t.access.expose_secret(), "abc");
        assert_eq!(t.expires_in, Duration::from_secs(36000));
    }

    #[test]
    fn wrapped_token_answer() {
        let v: Value = serde_json::from_str(
            r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"data":[{"access_token":"xyz","expires_in":"600","token_type":"bearer"}]}"#,
        )
        .unwrap();
        let t = parse_token(&v).unwrap();
        assert_eq!(t.access.expose_secret(), "xyz");
        assert_eq!(t.expires_in, Duration::from_secs(600));
    }

    #[test]
    fn bad_token_answers() {
        for body in [
            r#"{}"#,
            r#"{"data":[]}"#,
            r#"{"access_token":""}"#,
            r#"{"access_token":5}"#,
        ] {
            let v: Value = serde_json::from_str(body).unwrap();
            assert!(parse_token(&v).is_err(), "{body}");
        }
        let v: Value = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(
            parse_token(&v).unwrap().expires_in,
            Duration::from_secs(36000)
        );
    }

    #[test]
    fn margin() {
        assert_eq!(
            renewal_margin(Duration::from_secs(36000)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
        assert_eq!(renewal_margin(Duration::ZERO), Duration::ZERO);
    }
}
