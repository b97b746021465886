//! Wiring: Settings → api::Client, an embedded sandbox for `--sandbox`, then the console.

use std::net::{Ipv4Addr, SocketAddr};

use secrecy::SecretString;

use crate::api::{Client, ClientConfig};
use crate::config::{Connection, Settings};
use crate::sandbox::{Sandbox, SandboxConfig};

/// Builds the API client for a resolved connection.
pub fn client_for(connection: &Connection, settings: &Settings) -> Result<Client, String> {
    let base_url = reqwest::Url::parse(&connection.base_url)
        .map_err(|e| format!("base URL {}: {e}", connection.base_url))?;
    let v3_base_url = reqwest::Url::parse(&connection.v3_base_url)
        .map_err(|e| format!("v3 base URL {}: {e}", connection.v3_base_url))?;
    let (Some(client_id), Some(client_secret)) = (
        connection.client_id.clone(),
        connection.client_secret.clone(),
    ) else {
        return Err(format!(
            "no API credentials for profile {:?}: set ONELOGIN_CLIENT_ID and ONELOGIN_CLIENT_SECRET, \
             or client_id and client_secret in {} of the config file \
             (or try the console on a sandbox tenant: onelogin-tui --sandbox)",
            settings.profile,
            crate::config::profile_section(&settings.profile)
        ));
    };
    let mut config = ClientConfig::new(base_url, client_id, client_secret);
    config.v3_base_url = v3_base_url;
    config.api_key = connection.api_key.clone();
    config.timeout = settings.http_timeout;
    config.exchange_buffer = settings.ui.request_log_capacity.clamp(64, 65_536);
    Client::new(config).map_err(|e| e.to_string())
}

/// `onelogin-tui --sandbox`: a sandbox tenant on an ephemeral loopback port, and the console on it.
pub async fn with_sandbox(mut settings: Settings, config: SandboxConfig) -> Result<(), String> {
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let sandbox = Sandbox::start(config.clone(), listen)
        .await
        .map_err(|e| format!("cannot start the sandbox tenant: {e}"))?;
    settings.profile = "sandbox".into();
    settings.connection = Connection {
        base_url: sandbox.url(),
        v3_base_url: sandbox.url(),
        client_id: Some(config.client_id.clone()),
        client_secret: Some(SecretString::from(config.client_secret.clone())),
        api_key: Some(SecretString::from(config.api_key.clone())),
        user_update: settings.connection.user_update,
    };
    let client = client_for(&settings.connection, &settings)?;
    tracing::info!(url = %sandbox.url(), "sandbox tenant started");
    // The sandbox lives as long as the console.
    let result = crate::app::run(&settings, client).await;
    sandbox.shutdown().await;
    result
}

/// `onelogin-tui`: the console on the profile's tenant.
pub async fn with_tenant(settings: Settings) -> Result<(), String> {
    let client = client_for(&settings.connection, &settings)?;
    crate::app::run(&settings, client).await
}

/// Resolves on Ctrl+C, SIGTERM or SIGHUP.
pub async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { if let Some(s) = term.as_mut() { s.recv().await; } else { std::future::pending::<()>().await } } => {}
            _ = async { if let Some(s) = hup.as_mut() { s.recv().await; } else { std::future::pending::<()>().await } } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
