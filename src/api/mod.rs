//! The OneLogin client: HTTP and JSON/XML, nothing of screens.
//!
//! Every request goes through [`Client`]'s one pipeline (`client.rs`), which
//! records a redacted [`Exchange`] for the request log, keeps the rate-limit
//! state from the headers, and turns every failure into an [`ApiError`] a user
//! can act on.

// ApiError is 136 bytes (kind + method + url, as the console's interface
// wants them, unboxed); it lives on the cold path next to a network round
// trip, so the size does not matter.
#![allow(clippy::result_large_err)]

mod attributes;
mod auth;
mod client;
mod envelope;
mod events;
mod exchange;
mod har;
mod hints;
mod legacy_v3;
mod lifecycle;
mod page;
mod resend;
mod retry;
mod roles;
mod users;
mod v2;

pub use auth::{REVOKE_PATH, TOKEN_PATH};
pub(crate) use client::is_loopback;
// The answer readers, for crate::fuzzing (fuzz/ and tests/fuzz_corpus.rs call them there).
pub use client::{Client, ClientConfig, HTTP_LOG_TARGET, RateLimit, RawAuth, V3_DEFAULT_URL};
pub(crate) use envelope::decode_json;
pub use envelope::{ApiError, EnvelopeMessage, ErrorKind};
pub(crate) use events::parse_utc as parse_utc_time;
pub use events::{Event, EventQuery, EventType};
pub use exchange::{
    BODY_CAP, Exchange, REDACTED, redact_authorization, redact_body, redact_header, shell_quote,
    url_path,
};
pub use har::to_har;
pub use legacy_v3::{NO_API_KEY, V3_ELEMENTS, V3User, V3UserUpdate, parse_v3_user};
pub(crate) use legacy_v3::{v3_answer, v3_user_answer};
pub use lifecycle::USER_STATES;
pub use page::Page;
pub use resend::resend_refusal;
pub use retry::{RESET_MARGIN, RetryPolicy};
pub use roles::{Group, Role};
pub use users::{
    FieldValue, LOCAL_SEARCH_FIELDS, LocalField, LocalTerm, LocalTerms, MAX_LIMIT, Pattern,
    SEARCH_PARAMS, Search, SearchFields, ServerField, ServerTerm, ServerValue, SortOrder,
    UPDATABLE_FIELDS, User, UserQuery, UserUpdate, custom_attributes_diff, display_name,
    roles_diff, state_label, state_name, status_label, status_name, write_display_name,
};
pub(crate) use v2::decode_v2;
pub use v2::{
    AttributeDefinition, FieldProblem, Mappings, MfaDevice, UserApp, V2_MAX_IDS, V2Page,
    V2UserQuery, V2UserUpdate,
};

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod loopback;
