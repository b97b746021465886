use super::*;

/// A request path no path-specific row names.
const USER: &str = "/api/1/users/42";

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

fn v2(status: u16, message: &str) -> ErrorKind {
    ErrorKind::V2 {
        http_status: status,
        name: String::new(),
        message: message.into(),
        problems: Vec::new(),
    }
}

/// An error of a request to a path no path-specific row names.
fn any(kind: ErrorKind) -> (ErrorKind, &'static str) {
    (kind, USER)
}

/// One error per row of [`SERVER_HINTS`], in the table's order, as the server words it,
/// with the path of the request it answers.
fn examples() -> Vec<(ErrorKind, &'static str)> {
    vec![
        (
            text(401, "Insufficient Permission"),
            "/api/1/events?since=2024-05-01T00%3A00%3A00Z",
        ),
        (
            text(401, "Insufficient Permission"),
            "/api/1/users/42/lock_user",
        ),
        (
            text(401, "Insufficient Permission"),
            "/api/1/users/42/set_state",
        ),
        any(text(401, "Insufficient Permission")),
        any(text(401, "Authentication Failure")),
        any(text(400, "Authorization Information is incorrect")),
        any(text(403, "user is not authorized to access this User")),
        any(text(404, "No Route Exists")),
        any(text(404, "Not Found")),
        any(text(400, "User for id 88888888 was not found")),
        any(text(
            400,
            "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role]",
        )),
        any(text(400, "custom_attributes is empty")),
        any(text(400, "Input JSON is not valid")),
        any(text(
            400,
            "role_id_array should be a subset of the account's roles",
        )),
        any(text(400, "role_id_array is empty")),
        any(text(400, "role 5 is already included")),
        any(text(400, "role 5 is not included")),
        any(text(422, "Email has already been taken")),
        any(text(400, "The account owner cannot be deleted")),
        (
            text(400, "locked_until should be -> integer"),
            "/api/1/users/42/lock_user",
        ),
        (
            text(400, "user is already in this state"),
            "/api/1/users/42/set_state",
        ),
        (text(400, "state is invalid"), "/api/1/users/42/set_state"),
        any(text(400, "unsupported grant_type")),
        any(text(429, "Too many requests")),
        any(text(503, "Service Unavailable")),
        any(text(401, "Unauthorized")),
        any(text(403, "Forbidden")),
        any(text(400, "something new")),
        any(attr("id", "ID is incorrect")),
        any(attr("nickname", "nickname is not a valid attribute")),
        (
            attr("locked_until", "locked_until has incorrect data type"),
            "/api/1/users/42/lock_user",
        ),
        (
            attr(
                "state",
                "state has incorrect data type. It should be -> integer",
            ),
            "/api/1/users/42/set_state",
        ),
        any(attr("role_id_array", "must be an array")),
        any(attr("title", "is too long")),
        any(v3(401, "Access denied", "bad key")),
        any(v3(400, "Unauthorized Access", "bad key")),
        any(v3(404, "Not Found", "no user")),
        any(v3(422, "Record Not Found", "No user found by id '42'")),
        any(v3(
            422,
            "Invalid Request",
            "Validation failed: Group does not exist",
        )),
        any(v3(502, "Bad Gateway", "upstream")),
        any(v3(
            422,
            "Invalid Request",
            "Validation failed: Email is invalid",
        )),
        any(v2(400, "query parameter(s) not allowed: shoe_size")),
        any(v2(
            400,
            "Requests can only have cursor xor pagination arguments",
        )),
        any(v2(400, "Invalid pagination cursor")),
        any(v2(400, "Expected array in request")),
        (v2(404, "No Route Exists"), "/api/2/users/42/unlock"),
        (
            v2(400, "Factor could not be found"),
            "/api/2/mfa/users/42/devices/9",
        ),
        (v2(404, "Device not found"), "/api/2/mfa/users/42/devices/9"),
        (v2(400, "User cannot be unlocked"), "/api/2/users/42/unlock"),
        (
            v2(403, "The account owner cannot be deleted"),
            "/api/2/users/42",
        ),
        (
            v2(401, "Insufficient Permission"),
            "/api/2/mfa/users/42/devices/9",
        ),
        (
            v2(401, "Insufficient Permission"),
            "/api/2/mfa/users/42/devices",
        ),
        (v2(403, "Insufficient Permission"), "/api/2/users/42/apps"),
        any(v2(401, "Insufficient Permission")),
        any(v2(401, "Authentication Failure")),
        any(v2(403, "Forbidden")),
        any(v2(404, "Not Found")),
        any(ErrorKind::V2 {
            http_status: 422,
            name: "UnprocessableEntityError".into(),
            message: "Validation failed".into(),
            problems: vec![crate::api::FieldProblem {
                field: Some("email".into()),
                message: "has already been taken".into(),
            }],
        }),
        any(v2(422, "Validation failed")),
        any(v2(429, "Too Many Requests")),
        any(v2(500, "Internal Server Error")),
        any(v2(409, "Conflict")),
    ]
}

/// Each row is reached by its example, and by no earlier row: no row hides another.
#[test]
fn every_row_words_its_own_example() {
    let examples = examples();
    assert_eq!(examples.len(), SERVER_HINTS.len(), "one example per row");
    for (i, ((example, path), row)) in examples.iter().zip(SERVER_HINTS).enumerate() {
        assert_eq!(
            server_row(example, path),
            Some(i),
            "row {i} {row:?}: {example:?} on {path}"
        );
        assert_eq!(hint(example, path), row.hint, "row {i}");
    }
}

/// Where rows overlap, the earlier one wins, and that choice is the right one.
#[test]
fn order_decides_where_rows_overlap() {
    // Both 401s: the words say which of the two it is.
    assert!(hint(&text(401, "Insufficient Permission"), USER).contains("scope is too low"));
    assert!(hint(&text(401, "Authentication Failure"), USER).contains("client_secret"));
    // A 404 with "No Route Exists" is a wrong path, not a deleted user.
    assert!(hint(&text(404, "No Route Exists"), USER).starts_with("wrong method or path"));
    assert!(hint(&v2(404, "No Route Exists"), USER).contains("does not serve"));
    assert!(hint(&v2(404, "User for id 42 was not found"), USER).contains("deleted"));
    // "already included" also contains "included"; "not included" stays distinct.
    assert!(hint(&text(400, "role 5 is already included"), USER).contains("already has"));
    // A 401 on a v3 page with a Record Not Found title is the key, not the user.
    assert!(hint(&v3(401, "Record Not Found", "x"), USER).contains("API key"));
    // An attribute message never takes a text row: "id" here is not a text match.
    assert_eq!(
        hint(&attr("id", "Insufficient Permission"), USER),
        "the user id must be an integer"
    );
}

/// The same words name a different scope per call, and only on that call.
#[test]
fn insufficient_permission_names_the_scope_of_the_call() {
    let scope = text(401, "Insufficient Permission");
    assert!(hint(&scope, "/api/1/events").contains("Read Users"));
    assert!(hint(&scope, "/api/1/events/types").contains("Read Users"));
    assert!(hint(&scope, "/api/1/users/42/lock_user").contains("Manage All"));
    assert!(hint(&scope, "/api/1/users/42/set_state").contains("Manage All"));
    for general in ["/api/1/users/42", "/api/1/users/42/logout", ""] {
        assert!(
            hint(&scope, general).contains("writes need Manage users"),
            "{general}"
        );
    }
    // Path rows ask for their words too: another failure on the events path is itself.
    assert!(hint(&text(401, "Authentication Failure"), "/api/1/events").contains("client_secret"));
    // Listing devices is not removing one, and each names the scope it needs.
    let v2_scope = v2(401, "Insufficient Permission");
    let removing = hint(&v2_scope, "/api/2/mfa/users/42/devices/9");
    assert!(removing.contains("removing an MFA device"), "{removing}");
    let listing = hint(&v2_scope, "/api/2/mfa/users/42/devices");
    assert!(
        listing.contains("reading a user's MFA devices needs Manage All"),
        "{listing}"
    );
    let apps = hint(&v2(403, "Insufficient Permission"), "/api/2/users/42/apps");
    assert!(
        apps.contains("apps") && apps.contains("Read Users"),
        "{apps}"
    );
    assert!(
        hint(&v2_scope, "/api/2/users/42").contains("writes need Manage users"),
        "other /2 calls keep the general rule"
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
    assert!(hint(&ErrorKind::Config("x".into()), "").starts_with("fix the settings"));
    let transport = |timeout, connect| ErrorKind::Transport {
        message: String::new(),
        timeout,
        connect,
    };
    assert!(hint(&transport(true, false), USER).contains("in time"));
    assert!(hint(&transport(false, true), USER).starts_with("could not connect"));
    assert_eq!(
        hint(&transport(false, false), USER),
        "check the network / VPN and retry"
    );
    let body = |status| ErrorKind::UnexpectedBody {
        http_status: status,
        content_type: None,
        body_start: String::new(),
    };
    assert!(hint(&body(502), USER).contains("error page"));
    assert!(hint(&body(302), USER).contains("redirected"));
    assert!(hint(&body(200), USER).contains("not OneLogin JSON"));
    assert_eq!(
        hint(
            &ErrorKind::RateLimited {
                http_status: 429,
                reset: None,
                body_start: String::new()
            },
            USER
        ),
        BUDGET_SPENT
    );
}
