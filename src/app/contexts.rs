//! Tenant contexts: one console per profile opened this session (`:profile NAME`).
//!
//! Each context is a whole console of its own (settings, client, worker, state), so a
//! bulk run goes on against its own tenant while another is shown, and switching back
//! finds every screen as it was left. Only the shown context gets keys, ticks and frames;
//! every context's answers reach its own state, tagged by the context's index.

use tokio::sync::{broadcast, mpsc};

use crate::api::Client;
use crate::config::Settings;
use crate::worker::Worker;

use super::action::Action;
use super::keymap::Keymap;
use super::message::Note;
use super::state::{AppState, Level, StateConfig};
use super::{CONCURRENCY, load_band, update};

/// Opens another profile of the same config file: its settings and its client.
pub type OpenProfile = dyn Fn(&Settings, &str) -> Result<(Settings, Client), String> + Sync;

/// An answer for context `index`: outcomes and exchanges of every context arrive here.
pub type Tagged = (usize, Action);

/// One profile's console.
pub struct Context {
    pub settings: Settings,
    pub state: AppState,
    pub worker: Worker,
}

impl Context {
    /// Builds the console of `settings` on `client`, sized `width`×`height`; its worker's
    /// outcomes and its client's exchanges are sent to `tagged` as `(index, action)`.
    pub fn open(
        settings: Settings,
        client: Client,
        (width, height): (u16, u16),
        index: usize,
        tagged: &mpsc::UnboundedSender<Tagged>,
    ) -> Result<Context, String> {
        let band = load_band(&settings)?;
        let columns =
            super::columns::from_settings(&settings.ui.user_columns, &settings.ui.columns)?;
        let (keymap, problems) = Keymap::new(&settings.keys, settings.read_only);
        let tenant = crate::tenant::Tenant::new(&settings.profile, client.base_url());
        let mut state = AppState::new(StateConfig {
            tenant: tenant.clone(),
            read_only: settings.read_only,
            protected: settings.protected,
            user_update: settings.connection.user_update,
            columns: columns.clone(),
            request_log_capacity: settings.ui.request_log_capacity,
            keymap,
            width,
            height,
            band,
        });
        for problem in problems {
            update::toast(&mut state, Level::Warning, Note::Text(problem));
        }
        let themes_dir = settings.dirs.themes();
        state.prefs = super::views::Prefs {
            views: settings.profile_views(),
            config_file: settings.writable_config(),
            themes: crate::theme::Theme::available(themes_dir.as_deref()),
            themes_dir,
            theme: settings.ui.theme.clone(),
            default_columns: columns,
        };
        // The user cache: one file per tenant and credential (none without a client id).
        let cache_key = settings
            .cache
            .then(|| client.config().client_id.clone())
            .map(|id| crate::cache::CacheKey::new(tenant.clone(), &id));
        state.cache.enabled = cache_key.is_some();
        state.cache.v1 = settings.connection.api == crate::config::ApiMode::V1;
        let bulk = crate::bulk::BulkService::new(
            client.clone(),
            tenant,
            crate::bulk::runs_dir(),
            crate::bulk::RunOptions::from_settings(&settings.bulk),
        )
        .with_api(settings.connection.api);

        let (tx, outcomes) = mpsc::unbounded_channel();
        let mut worker = Worker::new(bulk, tx, CONCURRENCY);
        if let Some(key) = cache_key {
            worker = worker.with_cache(settings.dirs.cache.clone(), key, settings.connection.api);
        }
        forward_outcomes(outcomes, index, tagged.clone());
        forward_exchanges(client.subscribe(), index, tagged.clone());
        Ok(Context {
            settings,
            state,
            worker,
        })
    }
}

/// The worker's answers, tagged with their context.
fn forward_outcomes(
    mut outcomes: mpsc::UnboundedReceiver<Action>,
    index: usize,
    tagged: mpsc::UnboundedSender<Tagged>,
) {
    tokio::spawn(async move {
        while let Some(action) = outcomes.recv().await {
            if tagged.send((index, action)).is_err() {
                break;
            }
        }
    });
}

/// The client's exchanges (the request log), tagged with their context.
fn forward_exchanges(
    mut feed: broadcast::Receiver<std::sync::Arc<crate::api::Exchange>>,
    index: usize,
    tagged: mpsc::UnboundedSender<Tagged>,
) {
    tokio::spawn(async move {
        loop {
            let action = match feed.recv().await {
                Ok(exchange) => Action::Exchange(exchange),
                Err(broadcast::error::RecvError::Lagged(n)) => Action::ExchangesMissed(n),
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if tagged.send((index, action)).is_err() {
                break;
            }
        }
    });
}

/// The profile names `:profile` completes: the config file's and the open contexts'.
pub fn profile_names(contexts: &[Context]) -> Vec<String> {
    // Every context reads the same file: the first one's is enough.
    let mut names: Vec<String> = contexts
        .first()
        .and_then(|c| {
            crate::config::profile_names(c.settings.config_file.as_deref(), &c.settings.dirs).ok()
        })
        .unwrap_or_default();
    names.extend(contexts.iter().map(|c| c.settings.profile.clone()));
    names.sort();
    names.dedup();
    names
}
