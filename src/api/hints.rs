//! What the user can do next, for each way a call can fail.
//!
//! The server's own words are matched against one ordered table, [`SERVER_HINTS`]: the
//! first row whose form and condition fit gives the hint, so a specific row goes above a
//! general one. A few rows also ask which call failed (the same "Insufficient
//! Permission" needs a different scope to read events than to lock a user). Failures with no server words (network, settings, odd bodies) are
//! worded by their kind.

use super::envelope::{EnvelopeMessage, ErrorKind};

/// Which shape of server error a row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A /1 envelope whose `message` is text.
    Text,
    /// A /1 envelope whose `message` is `{attribute, description}`.
    Attribute,
    /// A v3 `<error><title/><message/></error>` page.
    V3,
    /// An API /2 `{"message","name","statusCode"}` (its field problems read with the message).
    V2,
}

/// What a row asks of the error.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    /// The message (or the attribute's description) contains this, in any case.
    Says(&'static str),
    /// The request's path contains the first (as sent, case and all) and the words the
    /// second, in any case.
    On(&'static str, &'static str),
    /// The attribute a `{attribute, description}` message names.
    Attribute(&'static str),
    /// The v3 title, in any case.
    Title(&'static str),
    /// The HTTP status.
    Status(u16),
    /// An HTTP status at least this.
    StatusFrom(u16),
    /// Anything: the last row of each form.
    Always,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HintRule {
    pub form: Form,
    pub when: When,
    pub hint: &'static str,
}

const fn row(form: Form, when: When, hint: &'static str) -> HintRule {
    HintRule { form, when, hint }
}

const DELETED: &str = "the user may have been deleted: refresh the list";
const SERVER_PROBLEM: &str = "OneLogin had a server problem: retry in a moment";
const BUDGET_SPENT: &str = "the hourly API budget is spent: wait for the reset";

use Form::{Attribute, Text, V2, V3};
use When::{Always, On, Says, Status, StatusFrom, Title};

const NOT_ENROLLED: &str = "that MFA device is no longer enrolled: refresh the user's devices";
const ACCOUNT_OWNER: &str = "the account owner cannot be deleted or changed this way: transfer account ownership in the OneLogin admin console first";
const LOCK_MINUTES: &str = "the lock time must be a whole number of minutes, not shorter than the user policy's lock period (0 uses the policy's own)";

/// The server's words → a hint, first match wins.
pub(crate) const SERVER_HINTS: &[HintRule] = &[
    // /1, a text message. The calls whose scope differs from the general rule first.
    row(
        Text,
        On("/api/1/events", "insufficient permission"),
        "the API credential cannot read events: events need Read Users, Manage users, Read All or Manage All (not Authentication Only)",
    ),
    row(
        Text,
        On("/lock_user", "insufficient permission"),
        "the API credential's scope is too low: locking a user needs Manage All",
    ),
    row(
        Text,
        On("/set_state", "insufficient permission"),
        "the API credential's scope is too low: setting a user's state needs Manage All",
    ),
    // Words before statuses: a 401 says which of two things it is.
    row(
        Text,
        Says("insufficient permission"),
        "the API credential's scope is too low: writes need Manage users (roles need Manage All)",
    ),
    row(
        Text,
        Says("authentication failure"),
        "the credentials or token were refused: check client_id / client_secret and the region",
    ),
    row(
        Text,
        Says("authorization information"),
        "the Authorization header is missing or malformed",
    ),
    row(
        Text,
        Says("not authorized to access"),
        "this credential may not act on this user (e.g. an administrator): use a more privileged credential",
    ),
    // Above the 404 row: a wrong path is a 404 too.
    row(
        Text,
        Says("no route exists"),
        "wrong method or path: check the base URL (region / subdomain)",
    ),
    row(Text, Status(404), DELETED),
    row(Text, Says("was not found"), DELETED),
    row(
        Text,
        Says("custom_attributes is not valid"),
        "a custom attribute field does not exist on this tenant: refresh the field list",
    ),
    row(
        Text,
        Says("custom_attributes is empty"),
        "set at least one custom attribute value",
    ),
    row(
        Text,
        Says("json is not valid"),
        "the server could not read the request body: report this as a bug",
    ),
    row(
        Text,
        Says("should be a subset"),
        "a role does not exist on this tenant: refresh the role list",
    ),
    row(
        Text,
        Says("role_id_array is empty"),
        "choose at least one role",
    ),
    row(
        Text,
        Says("already included"),
        "the user already has that role: refresh the user",
    ),
    row(
        Text,
        Says("not included"),
        "the user does not have that role: refresh the user",
    ),
    row(
        Text,
        Says("already been taken"),
        "another user already has that value: choose a unique email / username",
    ),
    row(Text, Says("account owner"), ACCOUNT_OWNER),
    row(Text, Says("locked_until"), LOCK_MINUTES),
    row(
        Text,
        Says("already in this state"),
        "the user is already in that state: refresh the user",
    ),
    row(
        Text,
        Says("state is invalid"),
        "that state change is not allowed from the user's current state (e.g. Unlicensed to Unapproved): refresh the user and choose another state",
    ),
    row(
        Text,
        Says("grant_type"),
        "the token request was malformed: report this as a bug",
    ),
    row(Text, Status(429), BUDGET_SPENT),
    row(Text, StatusFrom(500), SERVER_PROBLEM),
    row(
        Text,
        Status(401),
        "the credentials were refused: check the API credential",
    ),
    row(
        Text,
        Status(403),
        "this credential may not do that: use a more privileged credential",
    ),
    row(Text, Always, "check the values sent and retry"),
    // /1, an `{attribute, description}` message.
    row(
        Attribute,
        When::Attribute("id"),
        "the user id must be an integer",
    ),
    row(
        Attribute,
        Says("not a valid attribute"),
        "that field cannot be changed through the API: remove it from the change",
    ),
    row(Attribute, When::Attribute("locked_until"), LOCK_MINUTES),
    row(
        Attribute,
        When::Attribute("state"),
        "the state must be an integer 0-3 (Unapproved, Approved, Rejected, Unlicensed): report this as a bug",
    ),
    row(
        Attribute,
        When::Attribute("role_id_array"),
        "role ids must be sent as a list of integers: report this as a bug",
    ),
    row(
        Attribute,
        Always,
        "a field value was rejected: correct it and retry",
    ),
    // v3 error pages.
    row(
        V3,
        Status(401),
        "the v3 API key was refused: check ONELOGIN_API_KEY / api_key in the profile",
    ),
    row(
        V3,
        Title("Unauthorized Access"),
        "the v3 API key was refused: check ONELOGIN_API_KEY / api_key in the profile",
    ),
    row(V3, Status(404), DELETED),
    row(V3, Title("Record Not Found"), DELETED),
    row(
        V3,
        Says("group does not exist"),
        "that group id does not exist: pick a group from the group list",
    ),
    row(V3, StatusFrom(500), SERVER_PROBLEM),
    row(
        V3,
        Always,
        "the v3 API rejected the update: check the values",
    ),
    // API /2. Paging and request-shape refusals are ours to fix, not the user's.
    row(
        V2,
        Says("parameter(s) not allowed"),
        "API /2 refused a query parameter: report this as a bug (api = \"v1\" avoids /2 meanwhile)",
    ),
    row(
        V2,
        Says("cursor xor pagination"),
        "a page was asked for by cursor and page number at once: report this as a bug",
    ),
    row(
        V2,
        Says("pagination cursor"),
        "the paging cursor was refused (it may have expired): load the list again from the start",
    ),
    row(
        V2,
        Says("expected array"),
        "the role change was not sent as a list of user ids: report this as a bug",
    ),
    // Words before statuses: a route this tenant does not serve is a 404 too, not a
    // deleted user; an account owner's refusal may come as a 403.
    row(
        V2,
        Says("no route exists"),
        "this tenant does not serve that API /2 call: set api = \"v1\" in the profile, or do it in the admin console",
    ),
    row(V2, Says("factor could not be found"), NOT_ENROLLED),
    row(V2, Says("device not found"), NOT_ENROLLED),
    row(
        V2,
        Says("cannot be unlocked"),
        "OneLogin would not unlock this user (it may not be locked, or its directory decides): refresh the user",
    ),
    row(V2, Says("account owner"), ACCOUNT_OWNER),
    row(
        V2,
        On("/devices/", "permission"),
        "the API credential's scope is too low: removing an MFA device needs Manage All",
    ),
    // Reads whose scope differs from the writes' rule below (the device list has no
    // trailing segment: the removal row above has taken every `/devices/<id>`).
    row(
        V2,
        On("/devices", "permission"),
        "the API credential's scope is too low: reading a user's MFA devices needs Manage All",
    ),
    row(
        V2,
        On("/apps", "permission"),
        "the API credential cannot read a user's apps: that needs Read Users, Manage users, Read All or Manage All",
    ),
    row(
        V2,
        Says("permission"),
        "the API credential's scope is too low: writes need Manage users (roles need Manage All)",
    ),
    row(
        V2,
        Status(401),
        "API /2 refused the credentials: check client_id / client_secret (api = \"v1\" pins /1 if only /2 is refused)",
    ),
    row(
        V2,
        Status(403),
        "this credential may not make this API /2 call: use a more privileged credential, or api = \"v1\"",
    ),
    row(
        V2,
        Status(404),
        "not found: the user or role may have been deleted (refresh); if every /2 call says this, set api = \"v1\"",
    ),
    row(
        V2,
        Says("already been taken"),
        "another user already has that value: choose a unique email / username",
    ),
    row(
        V2,
        Status(422),
        "a field value was rejected: correct the fields named and retry",
    ),
    row(V2, Status(429), BUDGET_SPENT),
    row(V2, StatusFrom(500), SERVER_PROBLEM),
    row(V2, Always, "check the values sent and retry"),
];

/// The parts of a server error the rows look at.
struct Words<'a> {
    form: Form,
    /// The path (and query) of the request.
    path: &'a str,
    status: u16,
    attribute: &'a str,
    title: &'a str,
    /// The message or the description, lower case.
    text: String,
}

fn words<'a>(kind: &'a ErrorKind, path: &'a str) -> Option<Words<'a>> {
    Some(match kind {
        ErrorKind::Envelope {
            http_status,
            message: EnvelopeMessage::Text(text),
            ..
        } => Words {
            form: Form::Text,
            path,
            status: *http_status,
            attribute: "",
            title: "",
            text: text.to_lowercase(),
        },
        ErrorKind::Envelope {
            http_status,
            message:
                EnvelopeMessage::Attribute {
                    attribute,
                    description,
                },
            ..
        } => Words {
            form: Form::Attribute,
            path,
            status: *http_status,
            attribute,
            title: "",
            text: description.to_lowercase(),
        },
        ErrorKind::V2 {
            http_status,
            message,
            problems,
            ..
        } => Words {
            form: Form::V2,
            path,
            status: *http_status,
            attribute: "",
            title: "",
            text: super::v2::words(message, problems).to_lowercase(),
        },
        ErrorKind::V3 {
            http_status,
            title,
            message,
        } => Words {
            form: Form::V3,
            path,
            status: *http_status,
            attribute: "",
            title,
            text: message.to_lowercase(),
        },
        _ => return None,
    })
}

impl HintRule {
    fn fits(&self, w: &Words<'_>) -> bool {
        self.form == w.form
            && match self.when {
                When::Says(part) => w.text.contains(part),
                When::On(path, part) => w.path.contains(path) && w.text.contains(part),
                When::Attribute(name) => w.attribute == name,
                When::Title(title) => w.title.trim().eq_ignore_ascii_case(title),
                When::Status(s) => w.status == s,
                When::StatusFrom(s) => w.status >= s,
                When::Always => true,
            }
    }
}

/// The index of the row that words this error of a request to `path`, if the server
/// said anything.
pub(crate) fn server_row(kind: &ErrorKind, path: &str) -> Option<usize> {
    let w = words(kind, path)?;
    SERVER_HINTS.iter().position(|r| r.fits(&w))
}

/// What the user should do next after `kind` answered a request to `path` (path and
/// query; empty when no request was made).
pub(crate) fn hint(kind: &ErrorKind, path: &str) -> &'static str {
    if let Some(row) = server_row(kind, path).and_then(|i| SERVER_HINTS.get(i)) {
        return row.hint;
    }
    match kind {
        ErrorKind::Config(_) => "fix the settings (profile, environment or request) and try again",
        ErrorKind::Transport { timeout: true, .. } => {
            "the server did not answer in time: check the network / VPN and retry"
        }
        ErrorKind::Transport { connect: true, .. } => {
            "could not connect: check the base URL (region / subdomain), the network / VPN, and retry"
        }
        ErrorKind::Transport { .. } => "check the network / VPN and retry",
        ErrorKind::RateLimited { .. } => BUDGET_SPENT,
        ErrorKind::Decode { .. } => {
            "the answer had an unexpected shape: report this with the request log entry"
        }
        ErrorKind::UnexpectedBody { http_status, .. } if *http_status >= 500 => {
            "OneLogin or a proxy answered with an error page: retry in a moment"
        }
        ErrorKind::UnexpectedBody { http_status, .. } if (300..400).contains(http_status) => {
            "the server redirected: check the base URL (region / subdomain)"
        }
        ErrorKind::UnexpectedBody { .. } => {
            "the answer was not OneLogin JSON: check the base URL and any proxy in between"
        }
        // Every form ends with an Always row; this is only reached if one is removed.
        ErrorKind::Envelope { .. } | ErrorKind::V2 { .. } | ErrorKind::V3 { .. } => {
            "check the values sent and retry"
        }
    }
}

#[cfg(test)]
#[path = "hints_tests.rs"]
mod tests;
