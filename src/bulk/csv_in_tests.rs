use super::*;

fn refused(text: &str) -> Vec<String> {
    CsvInput::parse(text.as_bytes(), false)
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn reads_a_good_file_with_bom() {
    let text = "\u{feff}id,custom_attributes.AWS_Role,title,group_id\n5,Admin,,\n6,,CTO,12\n";
    let input = CsvInput::parse(text.as_bytes(), false).unwrap();
    assert_eq!(input.key, KeyColumn::Id);
    assert_eq!(input.headers[0], "id");
    assert_eq!(input.rows.len(), 2);
    assert_eq!(input.rows[0].line, 2);
    assert_eq!(input.rows[1].id, Some(6));
    let d = input.desired(&input.rows[0]);
    assert_eq!(d.custom_attributes["AWS_Role"], "Admin");
    assert_eq!(d.fields["title"], "");
    assert_eq!(d.fields["group_id"], serde_json::Value::Null);
    let d = input.desired(&input.rows[1]);
    assert_eq!(d.custom_attributes["AWS_Role"], "");
    assert_eq!(d.fields["group_id"], serde_json::json!(12));
    assert_eq!(input.attributes(), ["AWS_Role"]);

    let keep = CsvInput::parse(text.as_bytes(), true).unwrap();
    let d = keep.desired(&keep.rows[0]);
    assert_eq!(d.custom_attributes.len(), 1);
    assert!(d.fields.is_empty());
}

#[test]
fn refusals_name_line_and_column() {
    let r = refused("id,nickname\n5,x\n");
    assert!(
        r[0].starts_with("line 1, column `nickname`: unknown column"),
        "{r:?}"
    );
    let r = refused("id,title\n5,a\nfive,b\n5,c\n-3,d\n");
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(
        r[0].starts_with("line 3, column `id`: bad id `five`"),
        "{r:?}"
    );
    assert!(
        r[1].starts_with("line 4, column `id`: duplicate key `5`: already on line 2"),
        "{r:?}"
    );
    assert!(
        r[2].starts_with("line 5, column `id`: bad id `-3`"),
        "{r:?}"
    );
    let r = refused("email,title\nA@x.com,a\na@X.com,b\n");
    assert!(r[0].contains("duplicate key"), "{r:?}");
    let r = refused("title\nx\n");
    assert!(r[0].contains("no key column"), "{r:?}");
    let r = refused("id,state\n5,approved\n");
    assert!(
        r[0].starts_with("line 2, column `state`: state must be a whole number"),
        "{r:?}"
    );
    let r = refused("id,title\n5\n");
    assert!(
        r[0].starts_with("line 2: 1 cells where the header has 2"),
        "{r:?}"
    );
    let r = refused("id,title,title\n5,a,b\n");
    assert!(r[0].contains("appears twice"), "{r:?}");
    let r = refused("email\nkat*\n");
    assert!(r[0].contains("search pattern"), "{r:?}");
    assert!(refused("")[0].contains("empty"));
    assert!(refused("id,title\n")[0].contains("no rows"));
    let bad_utf8 = b"id,title\n5,\xff\xfe\n";
    let r = CsvInput::parse(bad_utf8, false).unwrap_err();
    assert!(r.to_string().contains("UTF-8"), "{r}");
}

/// Issue 8, bug 10b: the line a refusal names is the line an editor shows, whatever
/// ends the lines (LF, CRLF as spreadsheets and Python's csv write, a lone CR), with a
/// BOM, after blank lines, and below a quoted cell that holds a line break.
#[test]
fn refusals_name_the_line_an_editor_shows_whatever_ends_the_lines() {
    for eol in ["\n", "\r\n", "\r"] {
        let lines = |rows: &[&str]| rows.join(eol) + eol;
        let plain = lines(&["id,title", "5,a", "five,b", "6,c,extra", "7,d"]);
        for text in [plain.clone(), format!("\u{feff}{plain}")] {
            let r = refused(&text);
            assert!(
                r[0].starts_with("line 3, column `id`: bad id"),
                "{eol:?} {r:?}"
            );
            assert!(r[1].starts_with("line 4: 3 cells"), "{eol:?} {r:?}");
            let ok = CsvInput::parse(lines(&["id,title", "5,a", "6,b"]).as_bytes(), false).unwrap();
            assert_eq!(
                ok.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
                [2, 3],
                "{eol:?}"
            );
        }
        // A quoted cell over two lines: the next row starts two lines further down.
        let r = refused(&lines(&["id,title", "5,\"two", "lines\"", "five,b"]));
        assert!(r[0].starts_with("line 4, column `id`"), "{eol:?} {r:?}");
        // Blank lines are skipped but still counted.
        let r = refused(&lines(&["id,title", "", "5,a", "", "", "five,b"]));
        assert!(r[0].starts_with("line 6, column `id`"), "{eol:?} {r:?}");
        let r = refused(&lines(&["id,title", "5,a", "", "5,b"]));
        assert!(
            r[0].starts_with("line 4, column `id`: duplicate key `5`: already on line 2"),
            "{eol:?} {r:?}"
        );
    }
}

#[test]
fn unknown_attributes() {
    let input = CsvInput::parse(
        b"id,custom_attributes.AWS_Role,custom_attributes.nope\n5,a,b\n",
        false,
    )
    .unwrap();
    let e = input
        .check_attributes(&["AWS_Role".to_string(), "skype".to_string()])
        .unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(
        e.0[0].to_string().starts_with(
            "line 1, column `custom_attributes.nope`: unknown custom attribute `nope`"
        ),
        "{e}"
    );
}

/// Found by fuzzing (fuzz/corpus/csv_in/hostile_header_escape): a refusal quoted the column
/// name as the file wrote it, escape sequences and all.
#[test]
fn a_hostile_column_name_is_quoted_as_plain_text() {
    for text in [
        "id,\u{1b}[31mred\n5,x\n",
        "id,\u{202e}x,\u{202e}x\n5,a,b\n",
        "id,group_id\u{9b}\n5,x\n",
    ] {
        for shown in refused(text) {
            assert!(
                !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{shown:?}"
            );
        }
    }
    // The tenant's attribute names are the server's words.
    let input = CsvInput::parse(b"id,custom_attributes.x\n5,a\n", false).unwrap();
    let shown = input
        .check_attributes(&["\u{1b}]52;c;eA==\u{7}".to_string()])
        .unwrap_err()
        .to_string();
    assert!(shown.contains("this tenant has: ␛]52;c;eA==␇"), "{shown:?}");
    let r = refused("id,\u{1b}[31mred\n5,x\n");
    assert!(
        r[0].starts_with("line 1, column `␛[31mred`: unknown column"),
        "{r:?}"
    );
}
