//! v3 errors arrive as HTML pages (seed 001) that hold
//! `<error><title>…</title><message>…</message></error>` somewhere inside.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::reference_text;
use crate::api::envelope::ErrorKind;
use crate::sanitize::one_line;

/// Which of the two texts the reader is inside.
#[derive(Clone, Copy)]
enum Part {
    Title,
    Message,
}

/// The `<error>` element of a v3 answer as an error, whatever surrounds it; `None` when
/// the answer holds no such element with a title or a message.
pub(crate) fn parse_v3_error(http_status: u16, body: &str) -> Option<ErrorKind> {
    // The page around the element is HTML, not XML (unclosed <meta>, scripts, conditional
    // comments), so quick-xml reads from the element on, and forgives unclosed tags and
    // a bare `&`.
    let start = find_error_element(body)?;
    let mut reader = Reader::from_str(body.get(start..)?);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let (mut title, mut message) = (None::<String>, None::<String>);
    let mut part = None;
    loop {
        let text = match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                if name.as_ref().eq_ignore_ascii_case(b"title") {
                    part = Some(Part::Title);
                } else if name.as_ref().eq_ignore_ascii_case(b"message") {
                    part = Some(Part::Message);
                }
                continue;
            }
            Ok(Event::End(e)) => {
                let name = e.local_name();
                if name.as_ref().eq_ignore_ascii_case(b"error") {
                    break;
                }
                if ["title", "message"]
                    .iter()
                    .any(|n| name.as_ref().eq_ignore_ascii_case(n.as_bytes()))
                {
                    part = None;
                }
                continue;
            }
            Ok(Event::Text(t)) => t.decode().map(|t| t.into_owned()).unwrap_or_default(),
            Ok(Event::CData(t)) => String::from_utf8_lossy(&t).into_owned(),
            Ok(Event::GeneralRef(r)) => reference_text(&r),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let slot = match part {
            Some(Part::Title) => &mut title,
            Some(Part::Message) => &mut message,
            None => continue,
        };
        slot.get_or_insert_default().push_str(&text);
    }
    if title.is_none() && message.is_none() {
        return None;
    }
    Some(ErrorKind::V3 {
        http_status,
        title: one_line(&title.unwrap_or_default()),
        message: one_line(&message.unwrap_or_default()),
    })
}

/// Where `<error>` (or `<error attr…>`, any case) opens.
fn find_error_element(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    body.match_indices('<').map(|(i, _)| i).find(|&i| {
        let name = bytes.get(i + 1..i + 6);
        let after = bytes.get(i + 6);
        name.is_some_and(|n| n.eq_ignore_ascii_case(b"error"))
            && after.is_some_and(|c| matches!(c, b'>' | b'/') || c.is_ascii_whitespace())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;

    #[test]
    fn seed_001_html_error_page() {
        let page = r#"<!DOCTYPE html>
<html lang='en' xml:lang='en' xmlns='http://www.w3.org/1999/xhtml'>
    <head>
        <meta content='text/html; charset=utf-8' http-equiv='Content-Type'>
            <link href="/assets/application.css" media="screen" rel="stylesheet" type="text/css" />
            <title>OneLogin</title>
    </head>
    <body class='error-layout'>
        <input id='app_revision' type='hidden' value='5bfacb24a1cbfeb3359282dc5b8d2b2a'>
        <div class='box'>
            <img alt="Onelogin_logo" src="/images/client/onelogin_logo.png" />
            <div>
                <error>
                    <title>Invalid Request</title>
                    <message>Validation failed: Group does not exist</message>
                </error>
            </div>
        </div>
    </body>
</html>"#;
        let k = parse_v3_error(422, page).unwrap();
        assert_eq!(
            k,
            ErrorKind::V3 {
                http_status: 422,
                title: "Invalid Request".into(),
                message: "Validation failed: Group does not exist".into()
            }
        );
        let e = ApiError::new(k, "PUT", "https://api.onelogin.com/api/v3/users/42.xml");
        assert_eq!(
            e.to_string(),
            "PUT /api/v3/users/42.xml → 422 Invalid Request: Validation failed: Group does not exist — that group id does not exist: pick a group from the group list"
        );
    }

    #[test]
    fn v3_error_entities_and_case() {
        let k = parse_v3_error(
            404,
            "<p><ERROR><Title>Record Not Found</Title><message>No user found by id &#39;42&#39; &amp; more</message></ERROR>",
        )
        .unwrap();
        match k {
            ErrorKind::V3 { title, message, .. } => {
                assert_eq!(title, "Record Not Found");
                assert_eq!(message, "No user found by id '42' & more");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_v3_error(500, "<html>oops</html>").is_none());
        assert!(parse_v3_error(500, "<errors><title>x</title></errors>").is_none());
        // Unclosed tags still give both parts.
        let k = parse_v3_error(401, "<error><title>Unauthorized Access<message>bad key").unwrap();
        assert_eq!(
            k,
            ErrorKind::V3 {
                http_status: 401,
                title: "Unauthorized Access".into(),
                message: "bad key".into()
            }
        );
    }

    #[test]
    fn entities_are_decoded_leniently() {
        let message = |inner: &str| match parse_v3_error(
            422,
            &format!(
                "<script>if (a < b && c) {{}}</script><error class=x><message>{inner}</message></error>"
            ),
        ) {
            Some(ErrorKind::V3 { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message("a &lt;b&gt; &quot;c&quot; &apos;&#x41;&#66;&nbsp;!"),
            // A no-break space is a space on one line.
            "a <b> \"c\" 'AB !"
        );
        // An unknown entity, a bare `&` and a bad number are kept as written.
        assert_eq!(
            message("fish & chips &unknown; &#xZZ; &"),
            "fish & chips &unknown; &#xZZ; &"
        );
        // What a reference decodes to is still cleaned for the terminal.
        assert_eq!(message("a&#27;[2Jb&#x202E;c"), "a␛[2Jb<U+202E>c");
    }
}
