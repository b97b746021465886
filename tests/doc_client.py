#!/usr/bin/env python3
"""An "outside" OneLogin client, written from OneLogin's API documentation and
the two documented pages in shared/seeds, not from this project's code.

    python3 tests/doc_client.py <base_url> <client_id> <client_secret>

Standard library only. It gets a token (API v2 token endpoint), pages through
every user by `pagination.after_cursor`, reads the custom attribute field
names, sets and clears a custom attribute value (with `bearer <token>` as
OneLogin's SDKs send it and `bearer: <token>` as the page's curl sample
writes it), provokes the page's documented errors, updates a user's title,
adds and removes a role. Then API /2: every user again by the After-Cursor
header, many users by `user_ids`, one PUT with a field and custom attributes,
a role granted and removed with bare arrays, and /2 error objects. Then the
lifecycle calls: a user locked, unlocked, its state set and reset, logged out,
its apps read; an MFA device removed; the last user deleted; and the events
all those writes left, read by client_id and named by the event types. Last,
it revokes the token. Every answer is checked against the documentation; on
any mismatch it exits 1 with a message.

Last lines on success:
    doc_client: user <id>
    doc_client: v2 user <id>
    doc_client: deleted user <id>
    doc_client: N checks passed
"""

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

CHECKS = 0
# Loopback only: never go through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Mismatch(Exception):
    pass


def check(cond, what):
    global CHECKS
    if not cond:
        raise Mismatch(what)
    CHECKS += 1


def call(base, method, path, headers=None, body=None):
    """One HTTP call; returns (status, parsed JSON or None, raw text)."""
    return call_with_headers(base, method, path, headers, body)[:3]


def call_with_headers(base, method, path, headers=None, body=None):
    """One HTTP call; returns (status, parsed JSON or None, raw text, response headers)."""
    data = None
    if body is not None:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(base + path, data=data, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with OPENER.open(req, timeout=20) as resp:
            status, raw, got = resp.status, resp.read().decode("utf-8"), resp.headers
    except urllib.error.HTTPError as e:
        status, raw, got = e.code, e.read().decode("utf-8"), e.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, raw, got


def expect_v2_error(answer, code, name, what, message=None):
    """The /2 error object: {"message", "name", "statusCode"}, no status wrapper."""
    status, body, raw = answer[:3]
    check(status == code, "%s: HTTP %s, expected %s: %s" % (what, status, code, raw))
    check(isinstance(body, dict) and "status" not in body, "%s: not a bare /2 error: %s" % (what, raw))
    check(body.get("statusCode") == code and body.get("name") == name,
          "%s: statusCode/name %r/%r, expected %s/%s" % (what, body.get("statusCode"), body.get("name"), code, name))
    check(isinstance(body.get("message"), str) and body["message"], "%s: no message: %s" % (what, raw))
    if message is not None:
        check(body["message"] == message, "%s: message %r, expected %r" % (what, body["message"], message))
    return body


def v2_checks(base, token, ids):
    """API /2, as its pages describe it: bare answers, header paging, user_ids,
    PUT with custom_attributes, role membership with bare arrays, error objects.
    Returns the user it changed."""
    sdk = {"Content-Type": "application/json", "Authorization": "bearer %s" % token}

    # List Users: follow the After-Cursor header, URL-decoded once, with no limit beside it.
    seen, pages, cursor, total = [], 0, None, None
    while True:
        if cursor is None:
            path = "/api/2/users?limit=50"
        else:
            path = "/api/2/users?cursor=" + urllib.parse.quote(cursor, safe="")
        status, body, raw, headers = call_with_headers(base, "GET", path, sdk)
        pages += 1
        check(status == 200, "v2 users page %d: HTTP %s: %s" % (pages, status, raw))
        check(isinstance(body, list) and 0 < len(body) <= 50, "v2 page %d: a bare list of 1..50: %s" % (pages, raw[:200]))
        check(headers.get("Total-Count", "").isdigit(), "v2 page %d: Total-Count %r" % (pages, headers.get("Total-Count")))
        total = int(headers["Total-Count"])
        check(headers.get("Current-Page") == str(pages), "v2 page %d: Current-Page %r" % (pages, headers.get("Current-Page")))
        seen.extend(u["id"] for u in body)
        after = headers.get("After-Cursor")
        if not after:
            break
        cursor = urllib.parse.unquote(after)
        check(pages < 100, "more than 100 /2 pages: the cursor does not advance")
    check(total == len(ids) and seen == ids, "v2 walk: %d users, Total-Count %s, /1 saw %d" % (len(seen), total, len(ids)))
    # A cursor beside limit is refused, as the pagination page says.
    expect_v2_error(call(base, "GET", "/api/2/users?limit=10&cursor=" + urllib.parse.quote(cursor or "x", safe=""), sdk),
                    400, "BadRequestError", "cursor with limit",
                    "Requests can only have cursor xor pagination arguments")
    expect_v2_error(call(base, "GET", "/api/2/users?no_such_parameter=1", sdk),
                    400, "BadRequestError", "unknown query parameter",
                    "query parameter(s) not allowed: no_such_parameter")

    # user_ids: many users by id in one call.
    want = [ids[1], ids[len(ids) // 2], ids[-1]]
    status, body, raw = call(base, "GET", "/api/2/users?user_ids=%s" % ",".join(str(i) for i in want), sdk)
    check(status == 200 and sorted(u["id"] for u in body) == sorted(want), "user_ids: %s" % raw[:300])

    # Update User: core fields and custom_attributes in one PUT; the whole user back.
    user_id = ids[3]
    upd = {"title": "Documented v2 Title", "custom_attributes": {"skype": "v2_skype", "AWS_Role": ""}}
    status, user, raw = call(base, "PUT", "/api/2/users/%d?mappings=disabled" % user_id, sdk, upd)
    check(status == 200 and isinstance(user, dict) and user.get("id") == user_id, "v2 PUT: HTTP %s: %s" % (status, raw))
    check(user["title"] == "Documented v2 Title", "v2 PUT title: %r" % user.get("title"))
    check(user["custom_attributes"]["skype"] == "v2_skype", "v2 PUT skype: %r" % user.get("custom_attributes"))
    check(user["custom_attributes"].get("AWS_Role") in (None, ""), "v2 PUT cleared AWS_Role: %r" % user["custom_attributes"])
    status, again, raw = call(base, "GET", "/api/2/users/%d" % user_id, sdk)
    check(status == 200 and again == user, "v2 GET after PUT: %s" % raw)
    # updated_since finds it.
    status, body, raw = call(base, "GET", "/api/2/users?updated_since=" + urllib.parse.quote(user["updated_at"], safe=""), sdk)
    check(status == 200 and user_id in [u["id"] for u in body], "updated_since: %s" % raw[:300])
    body = expect_v2_error(call(base, "PUT", "/api/2/users/%d" % user_id, sdk, {"custom_attributes": {"no_such_field": "x"}}),
                           422, "UnprocessableEntityError", "v2 unknown custom attribute")
    check(isinstance(body.get("errors", []), list), "422 errors: %r" % body)
    expect_v2_error(call(base, "GET", "/api/2/users/88888888", sdk), 404, "NotFoundError", "v2 unknown user")

    # Role membership: bare arrays of user ids; /1 sees the same roles.
    roles = expect_success(call(base, "GET", "/api/1/roles", {"Authorization": "bearer:%s" % token}), "roles")["data"]
    rpath = "/api/1/users/%d/roles" % user_id
    have = expect_success(call(base, "GET", rpath, {"Authorization": "bearer:%s" % token}), "user roles")["data"][0]
    role = [r["id"] for r in roles if r["id"] not in have][0]
    mpath = "/api/2/roles/%d/users" % role
    status, body, raw = call(base, "POST", mpath, sdk, [user_id])
    check(status in (200, 201) and body == [{"id": user_id}], "role users POST: HTTP %s: %s" % (status, raw))
    now = expect_success(call(base, "GET", rpath, {"Authorization": "bearer:%s" % token}), "user roles")["data"][0]
    check(role in now, "role %d not added through /2: %r" % (role, now))
    status, body, raw, headers = call_with_headers(base, "GET", mpath, sdk)
    check(status == 200 and isinstance(body, list) and headers.get("Total-Count", "").isdigit(),
          "role users GET: HTTP %s: %s" % (status, raw[:200]))
    expect_v2_error(call(base, "POST", mpath, sdk, {"user_ids": [user_id]}), 400, "BadRequestError",
                    "role users with an object body", "Expected array in request")
    status, body, raw = call(base, "DELETE", mpath, sdk, [user_id])
    check(status in (200, 204), "role users DELETE: HTTP %s: %s" % (status, raw))
    now = expect_success(call(base, "GET", rpath, {"Authorization": "bearer:%s" % token}), "user roles")["data"][0]
    check(sorted(now) == sorted(have), "roles after /2 DELETE: %r, before: %r" % (now, have))
    return user_id


EVENT_KEYS = ("id", "created_at", "account_id", "user_id", "user_name", "event_type_id", "notes", "ipaddr",
              "actor_user_id", "actor_user_name", "assuming_acting_user_id", "role_id", "role_name", "app_id",
              "app_name", "group_id", "group_name", "otp_device_id", "otp_device_name", "policy_id", "policy_name",
              "actor_system", "custom_message", "directory_sync_run_id", "directory_id", "resolution", "client_id",
              "resource_type_id", "error_description", "proxy_ip", "risk_score", "risk_reasons", "risk_cookie_id",
              "browser_fingerprint")


def lifecycle_checks(base, token, client_id, ids, changed):
    """The lifecycle and audit calls: /1 lock_user, set_state, logout, DELETE; /2 unlock,
    user apps, MFA devices; then the events those calls and the earlier writes left, read
    by client_id, their types named by GET /api/1/events/types. `changed` are the users the
    earlier writes touched. Returns the user it deleted."""
    documented = {"Authorization": "bearer:%s" % token}
    sdk = {"Content-Type": "application/json", "Authorization": "bearer %s" % token}
    user_id = ids[5]
    upath = "/api/1/users/%d" % user_id

    # Lock User: minutes in locked_until; status-only 200; the user reads Locked (3).
    body = expect_success(call(base, "PUT", upath + "/lock_user", sdk, {"locked_until": 10}), "lock_user")
    check("data" not in body, "lock_user returns only status: %r" % body)
    user = expect_success(call(base, "GET", upath, documented), "get locked user")["data"][0]
    check(user["status"] == 3 and user["locked_until"], "after lock_user: status %r, locked_until %r"
          % (user["status"], user["locked_until"]))
    status, body, raw = call(base, "PUT", upath + "/lock_user", sdk, {"locked_until": -5})
    check(status == 400 and body["status"]["error"] is True and body["status"]["type"] == "bad request",
          "lock_user with negative minutes: HTTP %s: %s" % (status, raw))
    # Unlock (/2): Active again, no lock time.
    status, body, raw = call(base, "POST", "/api/2/users/%d/unlock" % user_id, sdk)
    check(status == 200 and body == {"message": "User unlocked"}, "unlock: HTTP %s: %s" % (status, raw))
    user = expect_success(call(base, "GET", upath, documented), "get unlocked user")["data"][0]
    check(user["status"] == 1 and user["locked_until"] is None, "after unlock: %r, %r"
          % (user["status"], user["locked_until"]))

    # Set State: 2 (Rejected), then back to 1 (Approved).
    for state in (2, 1):
        expect_success(call(base, "PUT", upath + "/set_state", sdk, {"state": state}), "set_state %d" % state)
        user = expect_success(call(base, "GET", upath, documented), "get user")["data"][0]
        check(user["state"] == state, "state after set_state %d: %r" % (state, user["state"]))
    status, body, raw = call(base, "PUT", upath + "/set_state", sdk, {"state": 9})
    check(status == 400 and body["status"]["code"] == 400, "set_state 9: HTTP %s: %s" % (status, raw))

    # Log User Out: status-only 200.
    expect_success(call(base, "PUT", upath + "/logout", sdk, {}), "logout")

    # Get User Apps (/2): a bare list with the documented keys.
    status, apps, raw = call(base, "GET", "/api/2/users/%d/apps" % user_id, sdk)
    check(status == 200 and isinstance(apps, list), "user apps: HTTP %s: %s" % (status, raw))
    for app in apps:
        for key in ("id", "name", "icon_url", "login_id", "provisioning_status", "provisioning_state",
                    "provisioning_enabled"):
            check(key in app, "app lacks %s: %r" % (key, app))
    expect_v2_error(call(base, "GET", "/api/2/users/88888888/apps", sdk), 404, "NotFoundError", "apps of nobody")

    # MFA devices (/2): list, remove one (204), it is gone.
    device_user, devices = None, []
    for candidate in ids[6:40]:
        status, devices, raw = call(base, "GET", "/api/2/mfa/users/%d/devices" % candidate, sdk)
        check(status == 200 and isinstance(devices, list), "devices: HTTP %s: %s" % (status, raw))
        if devices:
            device_user = candidate
            break
    check(device_user is not None, "no user with an MFA device among 34")
    for d in devices:
        for key in ("device_id", "user_display_name", "type_display_name", "auth_factor_name", "default"):
            check(key in d, "device lacks %s: %r" % (key, d))
    check(sum(1 for d in devices if d["default"]) <= 1, "more than one default device: %r" % devices)
    dpath = "/api/2/mfa/users/%d/devices/%s" % (device_user, devices[0]["device_id"])
    status, body, raw = call(base, "DELETE", dpath, sdk)
    check(status == 204, "remove device: HTTP %s: %s" % (status, raw))
    status, after, raw = call(base, "GET", "/api/2/mfa/users/%d/devices" % device_user, sdk)
    check([d["device_id"] for d in after] == [d["device_id"] for d in devices[1:]], "devices after removal: %s" % raw)
    expect_v2_error(call(base, "DELETE", dpath, sdk), 404, "NotFoundError", "removed device again")

    # Delete User (/1): status-only 200, then 404 with the documented message.
    gone = ids[-1]
    expect_success(call(base, "DELETE", "/api/1/users/%d" % gone, sdk), "delete user")
    expect_status(call(base, "GET", "/api/1/users/%d" % gone, documented), 404, "not found",
                  "User for id %d was not found" % gone, "deleted user")

    # Get Event Types: names come from here, never hard-coded.
    types = expect_success(call(base, "GET", "/api/1/events/types", documented), "event types")["data"]
    check(all(set(t) == {"id", "name", "description"} for t in types), "event types: %r" % types[:3])
    names = {t["id"]: t["name"] for t in types}
    # Get Events: this client's events, walked by after_cursor, oldest first.
    events, cursor, pages = [], None, 0
    while True:
        path = "/api/1/events?limit=5&sort=%2Bid&client_id=" + urllib.parse.quote(client_id, safe="")
        if cursor:
            path += "&after_cursor=" + urllib.parse.quote(cursor, safe="")
        body = expect_success(call(base, "GET", path, documented), "events page %d" % (pages + 1))
        pages += 1
        check(len(body["data"]) <= 5, "events page over the limit: %d" % len(body["data"]))
        events.extend(body["data"])
        cursor = body["pagination"]["after_cursor"]
        if not cursor:
            break
        check(pages < 50, "events: the cursor does not advance")
    check(len(events) >= 15, "only %d events for this client's writes" % len(events))
    for e in events:
        check(set(e) == set(EVENT_KEYS), "event keys: %r" % sorted(e))
        check(e["client_id"] == client_id, "event of another client: %r" % e)
        check(e["event_type_id"] in names, "event type %r not in /events/types" % e["event_type_id"])
    check([e["id"] for e in events] == sorted(set(e["id"] for e in events)), "event ids not increasing")
    touched = set(e["user_id"] for e in events)
    for u in list(changed) + [user_id, device_user, gone]:
        check(u in touched, "no event for user %d: %r" % (u, sorted(touched)))
    status, body, raw = call(base, "GET", "/api/1/events?page=2", documented)
    check(status == 400 and body["status"]["error"] is True, "events with page: HTTP %s: %s" % (status, raw))
    return gone


def expect_status(answer, code, kind, message, what):
    """The documented status envelope: {"status": {error, code, type, message}}."""
    status, body, raw = answer
    check(status == code, "%s: HTTP %s, expected %s: %s" % (what, status, code, raw))
    check(isinstance(body, dict) and isinstance(body.get("status"), dict),
          "%s: no status object: %s" % (what, raw))
    want = {"error": code >= 400, "code": code, "type": kind, "message": message}
    check(body["status"] == want, "%s: status %r, expected %r" % (what, body["status"], want))
    return body


def expect_success(answer, what):
    return expect_status(answer, 200, "success", "Success", what)


def main(argv):
    if len(argv) != 4:
        print("usage: doc_client.py <base_url> <client_id> <client_secret>", file=sys.stderr)
        return 2
    base, client_id, client_secret = argv[1].rstrip("/"), argv[2], argv[3]
    creds = "client_id:%s, client_secret:%s" % (client_id, client_secret)
    json_ct = {"Content-Type": "application/json"}

    # Generate Tokens (v2): bare answer, no status wrapper.
    status, tok, raw = call(base, "POST", "/auth/oauth2/v2/token",
                            dict(json_ct, Authorization=creds),
                            {"grant_type": "client_credentials"})
    check(status == 200, "token: HTTP %s: %s" % (status, raw))
    for key in ("access_token", "created_at", "expires_in", "refresh_token", "token_type", "account_id"):
        check(key in tok, "token answer lacks %s: %s" % (key, raw))
    check(tok["token_type"] == "bearer", "token_type: %r" % tok["token_type"])
    check(isinstance(tok["expires_in"], int) and tok["expires_in"] > 0, "expires_in: %r" % tok["expires_in"])
    check("status" not in tok, "the v2 token answer is bare: %s" % raw)
    token = tok["access_token"]

    # The same endpoint with HTTP Basic credentials, as the v2 docs also allow.
    basic = "Basic " + base64.b64encode(("%s:%s" % (client_id, client_secret)).encode("utf-8")).decode("ascii")
    status, tok2, raw = call(base, "POST", "/auth/oauth2/v2/token", dict(json_ct, Authorization=basic),
                             {"grant_type": "client_credentials"})
    check(status == 200 and tok2.get("access_token") not in (None, "", token),
          "token with Basic credentials: HTTP %s: %s" % (status, raw))
    token2 = tok2["access_token"]

    # Bad credentials: 401 Authentication Failure, in the status envelope.
    bad = call(base, "POST", "/auth/oauth2/v2/token",
               dict(json_ct, Authorization="client_id:%s, client_secret:wrong" % client_id),
               {"grant_type": "client_credentials"})
    expect_status(bad, 401, "Unauthorized", "Authentication Failure", "token with a wrong secret")

    documented = {"Authorization": "bearer:%s" % token}       # as the reference pages say
    sdk = dict(json_ct, Authorization="bearer %s" % token)    # as OneLogin's SDKs send it
    curl_sample = dict(json_ct, Authorization="bearer: %s" % token)  # as seed 000's curl sample

    # Get Users: follow pagination.after_cursor to the end.
    ids, pages, cursor = [], 0, None
    while True:
        path = "/api/1/users?limit=50"
        if cursor:
            path += "&after_cursor=" + urllib.parse.quote(cursor, safe="")
        body = expect_success(call(base, "GET", path, documented), "users page %d" % (pages + 1))
        pages += 1
        data = body.get("data")
        check(isinstance(data, list) and 0 < len(data) <= 50, "page %d: %d users" % (pages, len(data or [])))
        ids.extend(u["id"] for u in data)
        pag = body.get("pagination")
        check(isinstance(pag, dict), "page %d has no pagination" % pages)
        cursor = pag.get("after_cursor")
        if not cursor:
            for k in ("before_cursor", "after_cursor", "previous_link", "next_link"):
                check(pag.get(k) is None, "last page: %s is %r" % (k, pag.get(k)))
            break
        check(pag.get("next_link"), "page %d: after_cursor without next_link" % pages)
        check(pages < 100, "more than 100 pages: the cursor does not advance")
    check(pages >= 2, "expected several pages, got %d" % pages)
    check(len(ids) == len(set(ids)), "duplicate users across pages")
    user_id = ids[1]  # not the first user (the account owner on the sandbox)

    # Get Custom Attribute Fields: data is a list holding one list of names.
    body = expect_success(call(base, "GET", "/api/1/users/custom_attributes", documented), "custom attributes")
    names = body["data"][0]
    check(all(isinstance(n, str) for n in names) and "AWS_Role" in names and "skype" in names,
          "custom attribute names: %r" % names)

    # Set Custom Attribute Value (seed 000), exactly the documented success answer.
    cpath = "/api/1/users/%d/set_custom_attributes" % user_id
    sample = {"custom_attributes": {"AWS_Role": "Administrator", "skype": "l_gonzalez"}}
    status, body, raw = call(base, "PUT", cpath, sdk, sample)
    check(status == 200, "set_custom_attributes: HTTP %s: %s" % (status, raw))
    check(body == {"status": {"code": 200, "error": False, "message": "Success", "type": "success"}},
          "set_custom_attributes answer: %s" % raw)
    user = expect_success(call(base, "GET", "/api/1/users/%d" % user_id, documented), "get user")["data"][0]
    check(user["custom_attributes"]["AWS_Role"] == "Administrator", "AWS_Role: %r" % user["custom_attributes"])
    check(user["custom_attributes"]["skype"] == "l_gonzalez", "skype: %r" % user["custom_attributes"])
    # "To remove a custom attribute value, send an empty value."
    expect_success(call(base, "PUT", cpath, curl_sample, {"custom_attributes": {"AWS_Role": ""}}), "clear AWS_Role")
    user = expect_success(call(base, "GET", "/api/1/users/%d" % user_id, documented), "get user")["data"][0]
    check(user["custom_attributes"].get("AWS_Role") in (None, ""), "cleared AWS_Role: %r" % user["custom_attributes"])
    check(user["custom_attributes"]["skype"] == "l_gonzalez", "skype kept: %r" % user["custom_attributes"])

    # The page's documented errors.
    valid = "[" + "".join(n + " " for n in names) + "]"
    expect_status(call(base, "PUT", cpath, sdk, {"custom_attributes": {"no_such_field": "x"}}),
                  400, "bad request", "input custom_attributes is not valid. Valid custom_attributes -> " + valid,
                  "unknown attribute")
    expect_status(call(base, "PUT", cpath, sdk, {"custom_attributes": {}}),
                  400, "bad request", "custom_attributes is empty", "empty custom_attributes")
    expect_status(call(base, "PUT", cpath, sdk, '{"custom_attributes": {'),
                  400, "bad request", "Input JSON is not valid", "broken JSON")
    expect_status(call(base, "PUT", cpath, json_ct, sample),
                  400, "bad request", "Authorization Information is incorrect", "no Authorization header")
    expect_status(call(base, "PUT", "/api/1/users/abc/set_custom_attributes", sdk, sample),
                  400, "bad request", {"attribute": "id", "description": "ID is incorrect"}, "non-integer id")
    expect_status(call(base, "PUT", cpath, dict(json_ct, Authorization="bearer:not-a-token"), sample),
                  401, "Unauthorized", "Authentication Failure", "unknown token")
    expect_status(call(base, "PUT", "/api/1/users/88888888/set_custom_attributes", sdk, sample),
                  404, "not found", "User for id 88888888 was not found", "unknown user")
    expect_status(call(base, "GET", "/api/1/no_such_thing", documented),
                  404, "not found", "No Route Exists", "unknown route")

    # Update User: PUT /api/1/users/:id, the updated user back in data.
    body = expect_success(call(base, "PUT", "/api/1/users/%d" % user_id, sdk, {"title": "Documented Title"}),
                          "update title")
    check(body["data"][0]["title"] == "Documented Title", "title: %r" % body["data"][0].get("title"))

    # Roles: Get Roles, Get User Roles ([[ids]]), Add Roles, Remove Roles.
    body = expect_success(call(base, "GET", "/api/1/roles", documented), "roles")
    role_ids = [r["id"] for r in body["data"]]
    check(len(role_ids) > 0 and all("name" in r for r in body["data"]), "roles: %r" % body["data"])
    rpath = "/api/1/users/%d/roles" % user_id
    have = expect_success(call(base, "GET", rpath, documented), "user roles")["data"][0]
    new = [r for r in role_ids if r not in have][0]
    expect_success(call(base, "PUT", "/api/1/users/%d/add_roles" % user_id, sdk, {"role_id_array": [new]}), "add role")
    now = expect_success(call(base, "GET", rpath, documented), "user roles")["data"][0]
    check(new in now, "role %d not added: %r" % (new, now))
    expect_success(call(base, "PUT", "/api/1/users/%d/remove_roles" % user_id, curl_sample, {"role_id_array": [new]}),
                   "remove role")
    now = expect_success(call(base, "GET", rpath, documented), "user roles")["data"][0]
    check(sorted(now) == sorted(have), "roles after remove: %r, before: %r" % (now, have))

    v2_user = v2_checks(base, token, ids)
    deleted = lifecycle_checks(base, token, client_id, ids, [user_id, v2_user])

    # Revoke Tokens: status-only 200; the token is refused afterwards.
    body = expect_success(call(base, "POST", "/auth/oauth2/revoke", dict(json_ct, Authorization=creds),
                               {"access_token": token}), "revoke")
    check("data" not in body, "revoke returns only status")
    expect_status(call(base, "GET", "/api/1/users?limit=1", documented),
                  401, "Unauthorized", "Authentication Failure", "revoked token")
    expect_v2_error(call(base, "GET", "/api/2/users?limit=1", {"Authorization": "bearer %s" % token}),
                    401, "UnauthorizedError", "revoked token on /2")

    # The other token still works, until it too is revoked.
    other = {"Authorization": "bearer:%s" % token2}
    expect_success(call(base, "GET", "/api/1/users?limit=1", other), "second token")
    expect_success(call(base, "POST", "/auth/oauth2/revoke", dict(json_ct, Authorization=basic),
                        {"access_token": token2}), "revoke with Basic credentials")
    expect_status(call(base, "GET", "/api/1/users?limit=1", other),
                  401, "Unauthorized", "Authentication Failure", "second revoked token")

    print("doc_client: user %d" % user_id)
    print("doc_client: v2 user %d" % v2_user)
    print("doc_client: deleted user %d" % deleted)
    print("doc_client: %d checks passed" % CHECKS)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Mismatch as e:
        print("doc_client: MISMATCH after %d checks: %s" % (CHECKS, e), file=sys.stderr)
        sys.exit(1)
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as e:
        print("doc_client: FAILED after %d checks: %s: %s" % (CHECKS, type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
