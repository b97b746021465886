//! Wiring: Settings → api::Client, an embedded sandbox for `--sandbox` (feature `sandbox`),
//! then the console.

use crate::api::{Client, ClientConfig};
use crate::config::{Connection, Settings};

/// Where to turn without credentials.
#[cfg(feature = "sandbox")]
const NO_CREDENTIALS_HINT: &str =
    " (or try the console on a sandbox tenant: onelogin-tui --sandbox)";
#[cfg(not(feature = "sandbox"))]
const NO_CREDENTIALS_HINT: &str = "";

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
             or client_id and client_secret in {} of the config file{NO_CREDENTIALS_HINT}",
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
#[cfg(feature = "sandbox")]
pub async fn with_sandbox(
    mut settings: Settings,
    config: crate::sandbox::SandboxConfig,
) -> Result<(), String> {
    use std::net::{Ipv4Addr, SocketAddr};

    use secrecy::SecretString;

    use crate::sandbox::Sandbox;

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
        api: settings.connection.api,
    };
    let client = client_for(&settings.connection, &settings)?;
    tracing::info!(url = %sandbox.url(), "sandbox tenant started");
    // The sandbox's tenant lives as long as the process (a new port each time): its
    // cache goes in a folder of its own, removed at the end.
    settings.dirs.cache =
        std::env::temp_dir().join(format!("onelogin-tui-sandbox-cache-{}", std::process::id()));
    // The sandbox lives as long as the console.
    let result = crate::app::run(&settings, client, &open_profile).await;
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&settings.dirs.cache);
    result
}

/// `onelogin-tui`: the console on the profile's tenant.
pub async fn with_tenant(settings: Settings) -> Result<(), String> {
    let client = client_for(&settings.connection, &settings)?;
    crate::app::run(&settings, client, &open_profile).await
}

/// `:profile NAME` in the console: another profile of the same config file, with its own
/// client. Its credentials come from the file (the ONELOGIN_* variables were given for the
/// profile the console started with).
pub fn open_profile(start: &Settings, name: &str) -> Result<(Settings, Client), String> {
    let env = |var: &str| std::env::var(var).ok();
    let settings = start
        .other_profile(name, &env, crate::paths::AppDirs::from_process())
        .map_err(|e| e.to_string())?;
    if settings.connection.client_id.is_none() || settings.connection.client_secret.is_none() {
        return Err(format!(
            "no client_id and client_secret in {} of {} (the ONELOGIN_* variables apply to the \
             profile the console started with)",
            crate::config::profile_section(name),
            settings
                .config_file
                .as_ref()
                .map_or("the config file".to_string(), |p| p.display().to_string())
        ));
    }
    let client = client_for(&settings.connection, &settings)?;
    Ok((settings, client))
}
