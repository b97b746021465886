//! What the user can do next, for each way a call can fail.
//!
//! The server's own words are matched against one ordered table, [`SERVER_HINTS`]: the
//! first row whose form and condition fit gives the hint, so a specific row goes above a
//! general one. Failures with no server words (network, settings, odd bodies) are
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
use When::{Always, Says, Status, StatusFrom, Title};

/// The server's words → a hint, first match wins.
pub(crate) const SERVER_HINTS: &[HintRule] = &[
    // /1, a text message. Words before statuses: a 401 says which of two things it is.
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
    status: u16,
    attribute: &'a str,
    title: &'a str,
    /// The message or the description, lower case.
    text: String,
}

fn words(kind: &ErrorKind) -> Option<Words<'_>> {
    Some(match kind {
        ErrorKind::Envelope {
            http_status,
            message: EnvelopeMessage::Text(text),
            ..
        } => Words {
            form: Form::Text,
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
                When::Attribute(name) => w.attribute == name,
                When::Title(title) => w.title.trim().eq_ignore_ascii_case(title),
                When::Status(s) => w.status == s,
                When::StatusFrom(s) => w.status >= s,
                When::Always => true,
            }
    }
}

/// The index of the row that words this error, if the server said anything.
pub(crate) fn server_row(kind: &ErrorKind) -> Option<usize> {
    let w = words(kind)?;
    SERVER_HINTS.iter().position(|r| r.fits(&w))
}

/// What the user should do next.
pub(crate) fn hint(kind: &ErrorKind) -> &'static str {
    if let Some(row) = server_row(kind).and_then(|i| SERVER_HINTS.get(i)) {
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
mod tests {
    use super::*;

    fn text(status: u16, message: &str) -> ErrorKind {
        ErrorKind::Envelope {
            http_status: status,
            code: i64::from(status),
            error_type: String::new(),
            message: EnvelopeMessage::Text(message.into()),
        }
    }

    fn attr(attribute: &str, description: &str) -> ErrorKind {
        ErrorKind::Envelope {
            http_status: 400,
            code: 400,
            error_type: "bad request".into(),
            message: EnvelopeMessage::Attribute {
                attribute: attribute.into(),
                description: description.into(),
            },
        }
    }

    fn v3(status: u16, title: &str, message: &str) -> ErrorKind {
        ErrorKind::V3 {
            http_status: status,
            title: title.into(),
            message: message.into(),
        }
    }

    /// One error per row of [`SERVER_HINTS`], in the table's order, as the server words it.
    fn examples() -> Vec<ErrorKind> {
        vec![
            text(401, "Insufficient Permission"),
            text(401, "Authentication Failure"),
            text(400, "Authorization Information is incorrect"),
            text(403, "user is not authorized to access this User"),
            text(404, "No Route Exists"),
            text(404, "Not Found"),
            text(400, "User for id 88888888 was not found"),
            text(
                400,
                "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role]",
            ),
            text(400, "custom_attributes is empty"),
            text(400, "Input JSON is not valid"),
            text(
                400,
                "role_id_array should be a subset of the account's roles",
            ),
            text(400, "role_id_array is empty"),
            text(400, "role 5 is already included"),
            text(400, "role 5 is not included"),
            text(422, "Email has already been taken"),
            text(400, "unsupported grant_type"),
            text(429, "Too many requests"),
            text(503, "Service Unavailable"),
            text(401, "Unauthorized"),
            text(403, "Forbidden"),
            text(400, "something new"),
            attr("id", "ID is incorrect"),
            attr("nickname", "nickname is not a valid attribute"),
            attr("role_id_array", "must be an array"),
            attr("title", "is too long"),
            v3(401, "Access denied", "bad key"),
            v3(400, "Unauthorized Access", "bad key"),
            v3(404, "Not Found", "no user"),
            v3(422, "Record Not Found", "No user found by id '42'"),
            v3(
                422,
                "Invalid Request",
                "Validation failed: Group does not exist",
            ),
            v3(502, "Bad Gateway", "upstream"),
            v3(
                422,
                "Invalid Request",
                "Validation failed: Email is invalid",
            ),
            v2(400, "query parameter(s) not allowed: shoe_size"),
            v2(
                400,
                "Requests can only have cursor xor pagination arguments",
            ),
            v2(400, "Invalid pagination cursor"),
            v2(400, "Expected array in request"),
            v2(401, "Insufficient Permission"),
            v2(401, "Authentication Failure"),
            v2(403, "Forbidden"),
            v2(404, "Not Found"),
            ErrorKind::V2 {
                http_status: 422,
                name: "UnprocessableEntityError".into(),
                message: "Validation failed".into(),
                problems: vec![crate::api::FieldProblem {
                    field: Some("email".into()),
                    message: "has already been taken".into(),
                }],
            },
            v2(422, "Validation failed"),
            v2(429, "Too Many Requests"),
            v2(500, "Internal Server Error"),
            v2(409, "Conflict"),
        ]
    }

    fn v2(status: u16, message: &str) -> ErrorKind {
        ErrorKind::V2 {
            http_status: status,
            name: String::new(),
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// Each row is reached by its example, and by no earlier row: no row hides another.
    #[test]
    fn every_row_words_its_own_example() {
        let examples = examples();
        assert_eq!(examples.len(), SERVER_HINTS.len(), "one example per row");
        for (i, (example, row)) in examples.iter().zip(SERVER_HINTS).enumerate() {
            assert_eq!(server_row(example), Some(i), "row {i} {row:?}: {example:?}");
            assert_eq!(hint(example), row.hint, "row {i}");
        }
    }

    /// Where rows overlap, the earlier one wins, and that choice is the right one.
    #[test]
    fn order_decides_where_rows_overlap() {
        // Both 401s: the words say which of the two it is.
        assert!(hint(&text(401, "Insufficient Permission")).contains("scope is too low"));
        assert!(hint(&text(401, "Authentication Failure")).contains("client_secret"));
        // A 404 with "No Route Exists" is a wrong path, not a deleted user.
        assert!(hint(&text(404, "No Route Exists")).starts_with("wrong method or path"));
        // "already included" also contains "included"; "not included" stays distinct.
        assert!(hint(&text(400, "role 5 is already included")).contains("already has"));
        // A 401 on a v3 page with a Record Not Found title is the key, not the user.
        assert!(hint(&v3(401, "Record Not Found", "x")).contains("API key"));
        // An attribute message never takes a text row: "id" here is not a text match.
        assert_eq!(
            hint(&attr("id", "Insufficient Permission")),
            "the user id must be an integer"
        );
    }

    #[test]
    fn each_form_ends_with_a_catch_all() {
        for form in [Form::Text, Form::Attribute, Form::V3, Form::V2] {
            let last = SERVER_HINTS.iter().rev().find(|r| r.form == form).unwrap();
            assert!(matches!(last.when, When::Always), "{form:?}");
        }
    }

    #[test]
    fn failures_without_server_words() {
        assert!(hint(&ErrorKind::Config("x".into())).starts_with("fix the settings"));
        let transport = |timeout, connect| ErrorKind::Transport {
            message: String::new(),
            timeout,
            connect,
        };
        assert!(hint(&transport(true, false)).contains("in time"));
        assert!(hint(&transport(false, true)).starts_with("could not connect"));
        assert_eq!(
            hint(&transport(false, false)),
            "check the network / VPN and retry"
        );
        let body = |status| ErrorKind::UnexpectedBody {
            http_status: status,
            content_type: None,
            body_start: String::new(),
        };
        assert!(hint(&body(502)).contains("error page"));
        assert!(hint(&body(302)).contains("redirected"));
        assert!(hint(&body(200)).contains("not OneLogin JSON"));
        assert_eq!(
            hint(&ErrorKind::RateLimited {
                http_status: 429,
                reset: None,
                body_start: String::new()
            }),
            BUDGET_SPENT
        );
    }
}
