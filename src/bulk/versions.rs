//! Which API versions a service's bulk work uses: API /2 where it has an endpoint
//! (`api = "auto"`), or /1 alone (`api = "v1"`). In auto mode a 401, 403 or 404 on a /2
//! route sends everything after it to /1, once, and says why.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::api::ApiError;
use crate::config::ApiMode;

#[derive(Debug, Clone)]
pub struct Versions {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    mode: ApiMode,
    fell_back: AtomicBool,
    why: Mutex<Option<String>>,
}

impl Versions {
    pub fn new(mode: ApiMode) -> Versions {
        Versions {
            inner: Arc::new(Inner {
                mode,
                fell_back: AtomicBool::new(false),
                why: Mutex::new(None),
            }),
        }
    }

    /// The mode the next plan is made in: auto until /2 was refused.
    pub fn mode(&self) -> ApiMode {
        if self.use_v2() {
            ApiMode::Auto
        } else {
            ApiMode::V1
        }
    }

    pub fn use_v2(&self) -> bool {
        self.inner.mode == ApiMode::Auto && !self.inner.fell_back.load(Ordering::Relaxed)
    }

    /// After `e` on a /2 call: whether it means /2 is refused here (401, 403, 404). The
    /// first refusal switches to /1 and returns the words to tell the user; later ones
    /// return `None`.
    pub fn refused(&self, e: &ApiError) -> Option<String> {
        if !refuses_v2(e) || self.inner.mode != ApiMode::Auto {
            return None;
        }
        if self.inner.fell_back.swap(true, Ordering::Relaxed) {
            return None;
        }
        let why = format!(
            "API /2 refused ({e}): using API /1 from now on (set api = \"v1\" in the profile to skip /2)"
        );
        tracing::warn!(error = %e, "API /2 refused: falling back to API /1");
        let mut slot = self.inner.why.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(why.clone());
        Some(why)
    }

    /// Why `what` ("unlocking") cannot be done while the work is on /1, in words that name
    /// the setting (or the refusal) and say what to do. Nothing was sent.
    pub fn v2_only(&self, what: &str) -> String {
        match self.fallback() {
            Some(why) => format!(
                "{what} has no API /1 call, and API /2 was refused here: {why}. Nothing was sent"
            ),
            None => format!(
                "{what} has no API /1 call, and this profile sets api = \"v1\" (API /1 only): \
                 set api = \"auto\" in the profile to use API /2 for it. Nothing was sent"
            ),
        }
    }

    /// Why the work went to /1, if /2 was refused.
    pub fn fallback(&self) -> Option<String> {
        self.inner
            .why
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// 401, 403 and 404 on a /2 route: the credential or the tenant does not offer /2.
pub fn refuses_v2(e: &ApiError) -> bool {
    matches!(e.http_status(), Some(401 | 403 | 404))
}
