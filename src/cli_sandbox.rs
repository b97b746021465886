//! `onelogin-tui sandbox`: the flags that build the sandbox tenant (its data, limits and
//! faults), and serving it until Ctrl+C.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use onelogin_tui::sandbox::{Faults, IdLists, Sandbox, SandboxConfig, Window};
use onelogin_tui::signals;

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8089")]
    listen: SocketAddr,

    /// Seed of the generated tenant: the same seed serves the same users.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Number of generated users.
    #[arg(long, default_value_t = 500)]
    users: usize,

    /// Client id of the Manage All credential pair.
    #[arg(long, value_name = "ID", default_value = "sandbox-client-id")]
    client_id: String,

    /// Client secret of the Manage All credential pair: a test tenant's made-up secret,
    /// printed at start (never a real one; the environment variable keeps it out of `ps`).
    #[arg(
        long,
        value_name = "SECRET",
        env = "ONELOGIN_SANDBOX_CLIENT_SECRET",
        hide_env_values = true,
        default_value = "sandbox-client-secret"
    )]
    client_secret: String,

    /// API key for the deprecated v3 XML API (basic auth `<key>:x`); made up, as the secret.
    #[arg(
        long,
        value_name = "KEY",
        env = "ONELOGIN_SANDBOX_API_KEY",
        hide_env_values = true,
        default_value = "sandbox-api-key"
    )]
    api_key: String,

    /// Seconds an access token lives (OneLogin: 36000); set it low to exercise renewal.
    #[arg(long, value_name = "SECS", default_value_t = 36_000)]
    token_ttl: u64,

    /// API /1 calls allowed per window (OneLogin: 5000 an hour).
    #[arg(long, value_name = "CALLS", default_value_t = 5_000)]
    rate_limit: u32,

    /// Length of the rate-limit window in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3_600)]
    rate_window: u64,

    /// Milliseconds added to every answer, to play a distant tenant.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,

    /// Share of /api/ answers (0.0 to 1.0) turned into 500s, 502s, dropped connections or slow answers.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,

    /// What GET /api/1/users does with a comma list in `id`: select them all (accept), answer
    /// 400 "ID is incorrect" as a strict tenant would (refuse), or drop the filter (ignore).
    #[arg(long, value_name = "MODE", default_value = "refuse",
          value_parser = PossibleValuesParser::new(["accept", "refuse", "ignore"])
              .map(|s| s.parse::<IdLists>().unwrap_or_default()))]
    id_lists: IdLists,

    /// Whether API /2 answers carry X-RateLimit-* headers (OneLogin does not say).
    #[arg(long, value_name = "ON|OFF", default_value = "on", action = clap::ArgAction::Set,
          value_parser = PossibleValuesParser::new(["on", "off"]).map(|s| s == "on"))]
    v2_rate_headers: bool,

    /// Whether API /2 is served at all (off: every /2 path is 404 "No Route Exists", as for
    /// a tenant or credential without /2).
    #[arg(long = "v2", value_name = "ON|OFF", default_value = "on", action = clap::ArgAction::Set,
          value_parser = PossibleValuesParser::new(["on", "off"]).map(|s| s == "on"))]
    serve_v2: bool,

    /// Milliseconds after the answer a `mappings=async` API /2 write applies its role mappings.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    mapping_delay_ms: u64,

    /// Share of /api/ answers whose connection is reset (TCP RST) partway through the body;
    /// a write is applied first (its answer lost), or half the time reset before it is handled.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    reset_rate: f64,

    /// Share of /api/ answers cut short: a Content-Length longer than the body sent, or a
    /// complete message whose JSON stops halfway (writes: half applied first).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    truncate_rate: f64,

    /// Share of /api/ answers replaced by a 200 whose body is an HTML page or no JSON
    /// (writes: half applied first).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    garbage_rate: f64,

    /// Share of /api/ answers held back by a latency spike of --spike-ms/2 to --spike-ms.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    spike_rate: f64,

    /// The longest latency spike, in milliseconds (below the client's 30 s timeout).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 4_000,
        help_heading = "Fault kinds (each deterministic from --seed)"
    )]
    spike_ms: u64,

    /// A 429 storm after every CALLS /api/ requests: every /api/ call refused with 429 for
    /// --storm-secs.
    #[arg(long, value_name = "CALLS", value_parser = clap::value_parser!(u64).range(1..),
          help_heading = "Fault kinds (each deterministic from --seed)")]
    storm_every: Option<u64>,

    /// How long a 429 storm lasts, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3.0, value_parser = parse_secs,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    storm_secs: f64,

    /// Whether a storm's 429s carry X-RateLimit-Limit/-Remaining (0)/-Reset (seconds until
    /// the storm ends), GET /auth/rate_limit saying the same; off: the observed HTML 429
    /// with no header at all.
    #[arg(long, value_name = "ON|OFF", default_value = "on", action = clap::ArgAction::Set,
          value_parser = PossibleValuesParser::new(["on", "off"]).map(|s| s == "on"),
          help_heading = "Fault kinds (each deterministic from --seed)")]
    storm_headers: bool,

    /// Revoke every issued access token after every CALLS /api/ requests (the next call
    /// with one gets 401 "Authentication Failure").
    #[arg(long, value_name = "CALLS", value_parser = clap::value_parser!(u64).range(1..),
          help_heading = "Fault kinds (each deterministic from --seed)")]
    revoke_every: Option<u64>,

    /// An outage after every CALLS /api/ requests: the listener is closed (connections
    /// refused) and open connections dropped for --outage-secs, then the port is bound again.
    #[arg(long, value_name = "CALLS", value_parser = clap::value_parser!(u64).range(1..),
          help_heading = "Fault kinds (each deterministic from --seed)")]
    outage_every: Option<u64>,

    /// How long an outage lasts, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3.0, value_parser = parse_secs,
          help_heading = "Fault kinds (each deterministic from --seed)")]
    outage_secs: f64,
}

fn parse_secs(text: &str) -> Result<f64, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if secs.is_finite() && (0.0..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("{secs} is not between 0 and 86400 seconds"))
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0.0 and 1.0"))
    }
}

impl SandboxArgs {
    fn faults(&self) -> Faults {
        let window = |every: Option<u64>, secs: f64| {
            every.map(|every| Window {
                every,
                length: Duration::from_secs_f64(secs),
            })
        };
        Faults {
            reset_rate: self.reset_rate,
            truncate_rate: self.truncate_rate,
            garbage_rate: self.garbage_rate,
            spike_rate: self.spike_rate,
            spike: Duration::from_millis(self.spike_ms),
            storm: window(self.storm_every, self.storm_secs),
            storm_headers: self.storm_headers,
            revoke_every: self.revoke_every,
            outage: window(self.outage_every, self.outage_secs),
        }
    }

    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            seed: self.seed,
            users: self.users,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            api_key: self.api_key.clone(),
            token_ttl: Duration::from_secs(self.token_ttl.max(1)),
            rate_limit: self.rate_limit,
            rate_window: Duration::from_secs(self.rate_window.max(1)),
            latency: Duration::from_millis(self.latency_ms),
            fault_rate: self.fault_rate,
            id_lists: self.id_lists,
            v2_rate_headers: self.v2_rate_headers,
            serve_v2: self.serve_v2,
            mapping_delay: Duration::from_millis(self.mapping_delay_ms),
            faults: self.faults(),
            ..SandboxConfig::default()
        }
    }
}

/// `onelogin-tui sandbox`: serve until Ctrl+C or SIGTERM.
pub async fn serve_sandbox(args: &SandboxArgs) -> Result<(), String> {
    if !args.listen.ip().is_loopback() {
        return Err(format!(
            "{} is not a loopback address: the sandbox serves 127.0.0.1 or ::1 only",
            args.listen
        ));
    }
    let sandbox = Sandbox::start(args.config(), args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    println!("{}", sandbox.summary());
    println!("Serving until Ctrl+C.");
    signals::wait_for(signals::SHUTDOWN).await;
    sandbox.shutdown().await;
    Ok(())
}
