//! Saved views of the users list (search + `/` filter + sort + columns, by name, per
//! profile in the config file), and what the console's own verbs know of the settings:
//! where `:view save` writes, which themes `:theme` offers. Pure: the file is read at
//! start and written by the loop (`Command::SaveView`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::ViewFile;

use super::columns::{Column, ColumnSpec};
use super::state::AppState;

/// What `:view`, `:theme` and Tab know, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    /// The profile's saved views, by name.
    pub views: BTreeMap<String, ViewFile>,
    /// Where `:view save` writes: the config file read, else the usual place; `None`
    /// when there is neither (no home folder).
    pub config_file: Option<PathBuf>,
    /// The themes `:theme` offers: the built-ins and the files of the themes folder.
    pub themes: Vec<String>,
    /// The themes folder, if there is one.
    pub themes_dir: Option<PathBuf>,
    /// The theme in use.
    pub theme: String,
    /// The columns the settings give (`:columns reset` goes back to them).
    pub default_columns: Vec<ColumnSpec>,
}

/// A view read back: every part checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub search: String,
    pub filter: String,
    pub sort: Option<(Column, bool)>,
    /// `None`: the view names no columns (the current ones stay).
    pub columns: Option<Vec<ColumnSpec>>,
}

/// A view's name: letters, digits, `-`, `_` and `.` (it is typed on the command line and
/// after `--view`).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` cannot name a view: use letters, digits, -, _ or . (64 at most)"
        ))
    }
}

/// The sort as a view writes it: `email`, `last_login desc`; empty for none.
pub fn sort_text(sort: &Option<(Column, bool)>) -> String {
    match sort {
        None => String::new(),
        Some((column, true)) => column.name(),
        Some((column, false)) => format!("{} desc", column.name()),
    }
}

/// `NAME`, `NAME asc` or `NAME desc`, the column among `columns`.
pub fn parse_sort(text: &str, columns: &[ColumnSpec]) -> Result<Option<(Column, bool)>, String> {
    let mut words = text.split_whitespace();
    let Some(name) = words.next() else {
        return Ok(None);
    };
    let ascending = match (words.next(), words.next()) {
        (None | Some("asc"), None) => true,
        (Some("desc"), None) => false,
        _ => return Err(format!("sort `{text}`: a column, then asc or desc")),
    };
    let column = Column::parse(name).map_err(|e| format!("sort: {e}"))?;
    if !columns.iter().any(|c| c.column == column) {
        return Err(format!("sort `{name}` is not one of the columns shown"));
    }
    Ok(Some((column, ascending)))
}

/// The list as it is now, as a view.
pub fn current(state: &AppState) -> ViewFile {
    ViewFile {
        search: state.users.search.clone(),
        filter: state.users.filter.clone(),
        sort: sort_text(&state.users.sort),
        columns: super::columns::to_texts(&state.columns),
    }
}

/// Checks a saved view against what the console can show; `shown`: the columns now (a
/// view without columns keeps them, and its sort is one of them).
pub fn resolve(view: &ViewFile, shown: &[ColumnSpec]) -> Result<Resolved, String> {
    let columns = if view.columns.is_empty() {
        None
    } else {
        let mut specs = view
            .columns
            .iter()
            .map(|c| ColumnSpec::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("columns: {e}"))?;
        super::columns::dedup(&mut specs);
        Some(specs)
    };
    let sort = parse_sort(&view.sort, columns.as_deref().unwrap_or(shown))?;
    Ok(Resolved {
        search: view.search.trim().to_string(),
        filter: view.filter.clone(),
        sort,
        columns,
    })
}

/// Whether a view can be opened over these columns: its parts, and its search as `s`
/// reads it (for `--view`, before the console starts).
pub fn check(view: &ViewFile, shown: &[ColumnSpec]) -> Result<(), String> {
    resolve(view, shown)?;
    crate::api::Search::parse(view.search.trim()).map_err(|e| format!("search: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::columns::{Field, with_custom};
    use super::*;

    #[test]
    fn a_view_reads_back_what_was_saved() {
        let view = ViewFile {
            search: "department:Sales".into(),
            filter: "cc-10".into(),
            sort: "custom_attributes.cost_center desc".into(),
            columns: vec!["id".into(), "custom_attributes.cost_center:12".into()],
        };
        let resolved = resolve(&view, &with_custom(&[])).unwrap();
        assert_eq!(
            resolved.sort,
            Some((Column::Custom("cost_center".into()), false))
        );
        let columns = resolved.columns.unwrap();
        assert_eq!(columns[1].width, Some(12));
        assert_eq!(
            sort_text(&Some((Column::Field(Field::Email), true))),
            "email"
        );
    }

    #[test]
    fn a_sort_off_the_columns_or_a_bad_name_is_refused_in_words() {
        let view = ViewFile {
            sort: "title".into(),
            ..ViewFile::default()
        };
        let e = resolve(&view, &with_custom(&[])).unwrap_err();
        assert!(e.contains("not one of the columns shown"), "{e}");
        assert!(check_name("mine").is_ok());
        assert!(check_name("my view").is_err());
        assert!(check_name("").is_err());
    }
}
