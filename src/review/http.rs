//! The review server's requests: every one is checked (loopback `Host`,
//! session token or its cookie, same-origin JSON for changes, bounded
//! body) before it is routed; items are named by id, never by path.

use std::io::Read;

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response};

use super::edit::Edit;
use super::{State, view};

/// The cookie that carries the session token after the first request.
const COOKIE: &str = "sagitta_review";
/// Largest request body: an edit is a few kilobytes (33 moves, a 500
/// character note).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most keypoint moves in one edit: BlazePose's 33 keypoints.
const MAX_MOVES: usize = 33;

const INDEX_HTML: &str = include_str!("../../assets/review/index.html");
const SCRIPT: &str = include_str!("../../assets/review/review.js");
const STYLE: &str = include_str!("../../assets/review/review.css");

/// The page's own policy: its script and style only, nothing from elsewhere.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
/// The compare page (the CLI's HTML, its style inline, its images embedded): no script at all.
const DOCUMENT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    policy: &'static str,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
            policy: PAGE_POLICY,
        }
    }

    fn json(status: u16, value: &Value) -> Self {
        Self::new(status, "application/json", value.to_string())
    }

    fn error(status: u16, message: &str) -> Self {
        Self::json(status, &json!({ "error": message }))
    }
}

/// Answers one request.
pub(super) fn handle(state: &State, mut request: Request) {
    let reply = checked(state, &mut request);
    // Every answer has its length (no chunked encoding): small, and known.
    let mut response = Response::from_data(reply.body)
        .with_status_code(reply.status)
        .with_chunked_threshold(usize::MAX);
    let mut headers = vec![
        ("Content-Type", reply.content_type.to_string()),
        ("Content-Security-Policy", reply.policy.to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
        ("Referrer-Policy", "no-referrer".to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("Cross-Origin-Resource-Policy", "same-origin".to_string()),
    ];
    headers.extend(reply.headers);
    for (name, value) in headers {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = request.respond(response);
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Equal without an early exit, so the time taken says nothing of the token.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The loopback names the server answers to, with its port.
fn loopback_hosts(port: u16) -> [String; 3] {
    [
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("localhost:{port}"),
    ]
}

fn query_param<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn checked(state: &State, request: &mut Request) -> Reply {
    // Against DNS rebinding: a page of another site that resolves its own
    // name to 127.0.0.1 still sends its own name as Host.
    let hosts = loopback_hosts(state.port);
    let host = header(request, "Host").unwrap_or("");
    if !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Reply::error(403, "forbidden: not a loopback Host of this server");
    }
    let url = request.url().to_string();
    let path = url.split('?').next().unwrap_or("").to_string();
    let cookie_token = header(request, "Cookie").and_then(|cookies| {
        cookies
            .split(';')
            .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
    });
    let cookie_ok = cookie_token.is_some_and(|t| same_secret(t, &state.token));
    // The token in the printed address is exchanged for the cookie, and the
    // address loses it.
    if *request.method() == Method::Get
        && path == "/"
        && let Some(token) = query_param(&url, "token")
    {
        if !same_secret(token, &state.token) {
            return Reply::error(403, "forbidden: wrong session token");
        }
        let mut reply = Reply::new(303, "text/plain", "");
        reply.headers.push(("Location", "/".to_string()));
        reply.headers.push((
            "Set-Cookie",
            format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                state.token
            ),
        ));
        return reply;
    }
    if !cookie_ok {
        return Reply::error(
            403,
            "forbidden: open the address sagitta review printed, with its token",
        );
    }
    match *request.method() {
        Method::Get => get(state, &path),
        Method::Post => {
            // A change needs a same-origin page and a JSON body: a form of
            // another site can send neither.
            let origin = header(request, "Origin").unwrap_or("");
            if !hosts
                .iter()
                .any(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")))
            {
                return Reply::error(403, "forbidden: a change must come from this page (Origin)");
            }
            let json = header(request, "Content-Type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
            if !json {
                return Reply::error(415, "a change is sent as application/json");
            }
            if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
                return Reply::error(413, "the request body is over 64 KiB");
            }
            let mut body = Vec::new();
            let read = request
                .as_reader()
                .take(MAX_BODY_BYTES as u64 + 1)
                .read_to_end(&mut body);
            if read.is_err() {
                return Reply::error(400, "the request body could not be read");
            }
            if body.len() > MAX_BODY_BYTES {
                return Reply::error(413, "the request body is over 64 KiB");
            }
            post(state, &path, &body)
        }
        _ => Reply::error(405, "only GET and POST"),
    }
}

fn get(state: &State, path: &str) -> Reply {
    match path {
        "/" => Reply::new(200, "text/html; charset=utf-8", INDEX_HTML),
        "/assets/review.js" => Reply::new(200, "text/javascript; charset=utf-8", SCRIPT),
        "/assets/review.css" => Reply::new(200, "text/css; charset=utf-8", STYLE),
        "/assets/overlay.ttf" => Reply::new(200, "font/ttf", crate::report::overlay::FONT),
        "/api/queue" => Reply::json(200, &queue(state)),
        _ => {
            if let Some(id) = path.strip_prefix("/api/photo/") {
                return open(state, id);
            }
            if let Some(id) = path
                .strip_prefix("/photo/")
                .and_then(|p| p.strip_suffix(".jpg"))
            {
                let Some(item) = state.item(id) else {
                    return Reply::error(404, "no such photo");
                };
                return match state.open(item) {
                    Ok(opened) => Reply::new(200, "image/jpeg", opened.jpeg.as_slice()),
                    Err(e) => Reply::error(422, &e),
                };
            }
            if let Some(pair) = path.strip_prefix("/compare/") {
                return compare(state, pair);
            }
            Reply::error(404, "not found")
        }
    }
}

fn queue(state: &State) -> Value {
    json!(
        state
            .items
            .iter()
            .map(|item| json!({
                "id": item.id,
                "label": item.label(),
                "saved": item.is_saved(&state.out),
            }))
            .collect::<Vec<_>>()
    )
}

fn open(state: &State, id: &str) -> Reply {
    let Some(item) = state.item(id) else {
        return Reply::error(404, "no such photo");
    };
    match state.open(item) {
        Ok(opened) => Reply::json(
            200,
            &json!({
                "id": item.id,
                "label": item.label(),
                "saved": item.is_saved(&state.out),
                "from_saved": opened.from_saved,
                "edit": view::initial_edit(&opened.base, opened.exif_focal_length_35mm_mm),
                "questions": view::questions(&state.recommender),
                "view": view::view(&opened.base, &opened.base),
            }),
        ),
        Err(e) => Reply::error(422, &e),
    }
}

fn post(state: &State, path: &str, body: &[u8]) -> Reply {
    let Some(rest) = path.strip_prefix("/api/photo/") else {
        return Reply::error(404, "not found");
    };
    let Some((id, action)) = rest.split_once('/') else {
        return Reply::error(404, "not found");
    };
    let Some(item) = state.item(id) else {
        return Reply::error(404, "no such photo");
    };
    let edit: Edit = match serde_json::from_slice(body) {
        Ok(edit) => edit,
        Err(e) => return Reply::error(400, &format!("not an edit: {e}")),
    };
    if edit.moves.len() > MAX_MOVES {
        return Reply::error(
            400,
            &format!("{} moves, over the {MAX_MOVES} keypoints", edit.moves.len()),
        );
    }
    let opened = match state.open(item) {
        Ok(opened) => opened,
        Err(e) => return Reply::error(422, &e),
    };
    let analysis = match edit.apply(
        &opened.base,
        opened.exif_focal_length_35mm_mm,
        &state.recommender,
        &state.analyzer_options.plan,
    ) {
        Ok(analysis) => analysis,
        Err(e) => return Reply::error(400, &e),
    };
    match action {
        "view" => Reply::json(200, &json!({ "view": view::view(&analysis, &opened.base) })),
        "save" => match super::save(state, item, &opened, &analysis) {
            Ok(files) => Reply::json(
                200,
                &json!({ "files": files, "view": view::view(&analysis, &analysis) }),
            ),
            Err(e) => Reply::error(500, &e),
        },
        _ => Reply::error(404, "not found"),
    }
}

/// The compare page of two saved items (`/compare/<id>/<id>`), as `sagitta
/// compare --format html` makes it from their saved analyses.
fn compare(state: &State, pair: &str) -> Reply {
    let ids: Vec<&str> = pair.split('/').collect();
    if ids.len() != 2 || ids[0] == ids[1] {
        return Reply::error(400, "compare two different photos");
    }
    let Some(items) = ids
        .iter()
        .map(|id| state.item(id))
        .collect::<Option<Vec<_>>>()
    else {
        return Reply::error(404, "no such photo");
    };
    let mut inputs = Vec::new();
    let mut images = Vec::new();
    for item in items {
        let [annotated, _, json] = item.files(&state.out);
        let analysis = match crate::read_analysis(&json) {
            Ok(a) => a,
            Err(_) => {
                return Reply::error(409, &format!("{}: save it before comparing", item.label()));
            }
        };
        images.push(crate::input::read_bounded(&annotated, 64 << 20).ok());
        inputs.push(crate::compare::CompareInput {
            source: item.label(),
            kind: crate::schema::InputKind::Analysis,
            analysis,
        });
    }
    match crate::compare::compare(inputs) {
        Ok(comparison) => {
            let mut reply = Reply::new(
                200,
                "text/html; charset=utf-8",
                crate::report::render_compare_html(&comparison, &images),
            );
            reply.policy = DOCUMENT_POLICY;
            reply
        }
        Err(e) => Reply::error(409, &e.to_string()),
    }
}
