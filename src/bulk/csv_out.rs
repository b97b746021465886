//! CSV out: users in the shape `apply` reads (so export → edit → apply
//! round-trips), the per-row results of a run, and its failed rows in the
//! input's own shape, ready to re-run. Every cell is guarded against spreadsheet
//! formulas (csv_guard.rs).

use std::collections::{HashMap, HashSet};

use super::csv_guard::guard;
use super::execute::UserOutcome;
use super::journal::Source;
use crate::api::{UPDATABLE_FIELDS, User};

/// The columns `export` writes when none are asked for.
pub fn default_columns(attributes: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = ["id", "email", "username", "firstname", "lastname"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cols.extend(attributes.iter().map(|a| format!("custom_attributes.{a}")));
    cols
}

/// Checks `id,email,custom_attributes.AWS_Role,…`: only columns `apply`
/// accepts, `id` first (added when missing).
pub fn parse_columns(list: &str, attributes: &[String]) -> Result<Vec<String>, String> {
    let mut cols: Vec<String> = Vec::new();
    for raw in list.split(',') {
        let c = raw.trim();
        if c.is_empty() {
            continue;
        }
        let ok = c == "id"
            || UPDATABLE_FIELDS.contains(&c)
            || c.strip_prefix("custom_attributes.")
                .is_some_and(|a| attributes.iter().any(|k| k == a));
        if !ok {
            return Err(match c.strip_prefix("custom_attributes.") {
                Some(a) => format!(
                    "unknown custom attribute `{a}`; this tenant has: {}",
                    attributes.join(", ")
                ),
                None => format!(
                    "column `{c}` cannot be applied back; use id, custom_attributes.<shortname> or one of {}",
                    UPDATABLE_FIELDS.join(", ")
                ),
            });
        }
        if !cols.iter().any(|x| x == c) {
            cols.push(c.to_string());
        }
    }
    cols.retain(|c| c != "id");
    cols.insert(0, "id".into());
    Ok(cols)
}

/// The `fields=` a list call needs for `columns`.
pub fn fields_for_columns(columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in columns {
        let f = if c.starts_with("custom_attributes.") {
            "custom_attributes".to_string()
        } else {
            c.clone()
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// A cell: the field's text, `""` for null.
pub fn cell(user: &User, column: &str) -> String {
    user.field(column).unwrap_or_default()
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, String> {
    w.into_inner().map_err(|e| e.to_string())
}

/// Users as CSV.
pub fn users_csv(users: &[User], columns: &[String]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns).map_err(|e| e.to_string())?;
    for u in users {
        w.write_record(columns.iter().map(|c| guard(&cell(u, c)).into_owned()))
            .map_err(|e| e.to_string())?;
    }
    finish(w)
}

/// A table as CSV for people (the console's `:export`): a header, then the rows, every
/// cell guarded against spreadsheet formulas.
pub fn table_csv<R, C>(header: &[String], rows: R) -> Result<Vec<u8>, String>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|h| guard(h).into_owned()))
        .map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(row.into_iter().map(|c| guard(&c).into_owned()))
            .map_err(|e| e.to_string())?;
    }
    finish(w)
}

/// A row's status in the results file.
pub fn row_status(
    id: i64,
    outcomes: &HashMap<i64, UserOutcome>,
    unchanged: &HashSet<i64>,
) -> (&'static str, String) {
    match outcomes.get(&id) {
        Some(UserOutcome::Done) => ("done", String::new()),
        Some(UserOutcome::Failed { message, .. }) => ("failed", message.clone()),
        Some(UserOutcome::NotDone) => ("not done", "the run stopped first: resume it".into()),
        None if unchanged.contains(&id) => ("unchanged", "already at the desired values".into()),
        None => ("not done", String::new()),
    }
}

/// One line per input row: the key, `status`, `message`.
pub fn results_csv(
    source: &Source,
    outcomes: &HashMap<i64, UserOutcome>,
    unchanged: &HashSet<i64>,
) -> Result<Vec<u8>, String> {
    let key = source
        .headers
        .get(source.key_index)
        .cloned()
        .unwrap_or_else(|| "id".into());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([key.as_str(), "status", "message"])
        .map_err(|e| e.to_string())?;
    for row in &source.rows {
        let (status, message) = row_status(row.id, outcomes, unchanged);
        let k = row.cells.get(source.key_index).map_or("", String::as_str);
        w.write_record([&*guard(k), status, &*guard(&message)])
            .map_err(|e| e.to_string())?;
    }
    finish(w)
}

/// The rows that did not get done (failed or not reached), in the input's shape.
pub fn failed_csv(
    source: &Source,
    outcomes: &HashMap<i64, UserOutcome>,
) -> Result<(Vec<u8>, usize), String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&source.headers).map_err(|e| e.to_string())?;
    let mut n = 0;
    for row in &source.rows {
        if matches!(
            outcomes.get(&row.id),
            Some(UserOutcome::Failed { .. } | UserOutcome::NotDone)
        ) {
            // The cells were read without their guard: they get it back.
            w.write_record(row.cells.iter().map(|c| guard(c).into_owned()))
                .map_err(|e| e.to_string())?;
            n += 1;
        }
    }
    Ok((finish(w)?, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::journal::SourceRow;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_kept_as_text() {
        let csv = table_csv(
            &["name".to_string()],
            vec![
                vec!["=HYPERLINK(\"x\")".to_string()],
                vec!["Ann".to_string()],
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "name\n\"'=HYPERLINK(\"\"x\"\")\"\nAnn\n"
        );
    }

    #[test]
    fn columns() {
        let attrs = vec!["AWS_Role".to_string()];
        assert_eq!(
            parse_columns("email, custom_attributes.AWS_Role,id,email", &attrs).unwrap(),
            ["id", "email", "custom_attributes.AWS_Role"]
        );
        assert!(
            parse_columns("status", &attrs)
                .unwrap_err()
                .contains("cannot be applied back")
        );
        assert!(
            parse_columns("custom_attributes.x", &attrs)
                .unwrap_err()
                .contains("unknown custom attribute")
        );
        assert_eq!(
            fields_for_columns(&default_columns(&attrs)),
            [
                "id",
                "email",
                "username",
                "firstname",
                "lastname",
                "custom_attributes"
            ]
        );
    }

    #[test]
    fn export_cells_and_reports() {
        let u: User = serde_json::from_value(serde_json::json!({
            "id": 5, "email": "a,b@x", "group_id": null, "custom_attributes": {"AWS_Role": "say \"hi\"", "skype": null}
        }))
        .unwrap();
        let cols: Vec<String> = [
            "id",
            "email",
            "group_id",
            "custom_attributes.AWS_Role",
            "custom_attributes.skype",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let text = String::from_utf8(users_csv(&[u], &cols).unwrap()).unwrap();
        assert_eq!(
            text,
            "id,email,group_id,custom_attributes.AWS_Role,custom_attributes.skype\n5,\"a,b@x\",,\"say \"\"hi\"\"\",\n"
        );

        let source = Source {
            path: None,
            headers: vec!["email".into(), "title".into()],
            key_index: 0,
            rows: vec![
                SourceRow {
                    line: 2,
                    cells: vec!["a@x".into(), "A".into()],
                    id: 1,
                },
                SourceRow {
                    line: 3,
                    cells: vec!["b@x".into(), "B".into()],
                    id: 2,
                },
                SourceRow {
                    line: 4,
                    cells: vec!["c@x".into(), "C".into()],
                    id: 3,
                },
            ],
        };
        let mut outcomes = HashMap::new();
        outcomes.insert(1, UserOutcome::Done);
        outcomes.insert(
            2,
            UserOutcome::Failed {
                message: "422: Validation failed".into(),
                retryable: false,
            },
        );
        let unchanged: HashSet<i64> = [3].into();
        let r = String::from_utf8(results_csv(&source, &outcomes, &unchanged).unwrap()).unwrap();
        assert_eq!(
            r,
            "email,status,message\na@x,done,\nb@x,failed,422: Validation failed\nc@x,unchanged,already at the desired values\n"
        );
        let (f, n) = failed_csv(&source, &outcomes).unwrap();
        assert_eq!(n, 1);
        assert_eq!(String::from_utf8(f).unwrap(), "email,title\nb@x,B\n");
    }
}
