//! A file of user ids, one a line, for the lifecycle verbs' `--ids`: read into the same
//! shape as a CSV keyed by `id`, so it is resolved, journaled and reported the same way.

use std::path::Path;

use super::csv_in::{Column, CsvInput, CsvRow, KeyColumn, Refusal, Refusals};

/// Parses an id list: one positive id a line; blank lines, `#` comments (a whole line, or
/// the end of one) and a first line `id` (a header, as `<file>.failed.csv` has) are
/// skipped. Every bad line and every repeated id is refused with its line number.
pub fn id_list(text: &str, path: Option<&Path>) -> Result<CsvInput, Refusals> {
    let mut rows: Vec<CsvRow> = Vec::new();
    let mut refusals = Vec::new();
    let mut first_line: std::collections::HashMap<i64, u64> = Default::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let line = u64::try_from(i + 1).unwrap_or(u64::MAX);
        let value = raw.split('#').next().unwrap_or("").trim();
        if value.is_empty() || (rows.is_empty() && refusals.is_empty() && value == "id") {
            continue;
        }
        match value.parse::<i64>() {
            Ok(id) if id > 0 => {
                if let Some(first) = first_line.insert(id, line) {
                    refusals.push(Refusal::new(
                        Some(line),
                        None,
                        format!("id {id} again: already on line {first}"),
                    ));
                    continue;
                }
                rows.push(CsvRow {
                    line,
                    cells: vec![id.to_string()],
                    id: Some(id),
                });
            }
            _ => refusals.push(Refusal::new(
                Some(line),
                None,
                format!(
                    "`{}` is not a user id: one positive whole number a line (blank lines and # comments are skipped)",
                    crate::sanitize::for_terminal(value)
                ),
            )),
        }
    }
    if refusals.is_empty() && rows.is_empty() {
        refusals.push(Refusal::new(None, None, "the file names no user id"));
    }
    if !refusals.is_empty() {
        return Err(Refusals(refusals));
    }
    Ok(CsvInput {
        path: path.map(Path::to_path_buf),
        headers: vec!["id".into()],
        key: KeyColumn::Id,
        key_index: 0,
        columns: vec![Column::Key],
        rows,
        keep_empty: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blanks_header_and_bad_lines() {
        let ok = id_list("id\n# who\n\n10002\n 10003 # note\n", None).unwrap();
        let got: Vec<(u64, Option<i64>)> = ok.rows.iter().map(|r| (r.line, r.id)).collect();
        assert_eq!(got, vec![(4, Some(10002)), (5, Some(10003))]);
        let e = id_list("10002\nabc\n\n-4\n10002\n", None).unwrap_err();
        let lines: Vec<Option<u64>> = e.0.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![Some(2), Some(4), Some(5)]);
        assert!(
            e.to_string().contains("line 2: `abc` is not a user id"),
            "{e}"
        );
        assert!(e.to_string().contains("already on line 1"), "{e}");
        assert!(id_list("# nothing\n\n", None).is_err());
        // A header anywhere but first is a bad line.
        assert!(id_list("10002\nid\n", None).is_err());
    }
}
