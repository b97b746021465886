//! `:export FILE`: the users the list shows (after the `/` filter and the search's local
//! terms, in sort order), in the columns shown, as CSV for people: every cell guarded
//! against spreadsheet formulas. The loop writes the file (`Command::ExportCsv`): mode
//! 0600, never over an existing file unless the line was `:export!`.

use super::modal::Rejected;
use super::*;
use crate::bulk::csv_out::table_csv;

pub(super) fn run(
    state: &mut AppState,
    path: &str,
    overwrite: bool,
) -> Result<Vec<Command>, Rejected> {
    let users = &state.users;
    let header: Vec<String> = state.columns.iter().map(|s| s.column.name()).collect();
    let rows = users
        .rows
        .iter()
        .filter_map(|&i| users.all.get(i))
        .map(|row| {
            state
                .columns
                .iter()
                .map(|s| users_table::cell(row, &s.column))
                .collect::<Vec<_>>()
        });
    let contents = table_csv(&header, rows).map_err(|e| Rejected {
        note: Box::new(Note::Text(format!("The CSV could not be made: {e}"))),
        inline: true,
    })?;
    Ok(vec![Command::ExportCsv {
        path: path.trim().to_string(),
        overwrite,
        contents,
        users: users.rows.len(),
        all_loaded: users.complete,
    }])
}
