//! Writing to the user's config file: a saved view (`:view save`) becomes
//! `[profiles.<profile>.views.<name>]`, edited in place with toml_edit so that the rest
//! of the file (comments, order, layout) stays as the user wrote it.
//!
//! The file is replaced whole (a temporary file beside it, then a rename), keeping its
//! mode; a symlink is followed to the file it names. With no file yet, one is created
//! (folder 0700, file 0600) holding the view alone: nothing else, and never a secret.

use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use crate::config::ViewFile;

/// Saves `view` as `name` of `profile` in `file`; returns the path written.
pub fn save_view(
    file: &Path,
    profile: &str,
    name: &str,
    view: &ViewFile,
) -> Result<PathBuf, String> {
    let cannot = |why: String| format!("Cannot save view `{name}` in {}: {why}", file.display());
    // A symlinked config file (dotfiles) is edited where it lives.
    let target = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let existing = match std::fs::read_to_string(&target) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(cannot(e.to_string())),
    };
    let text = with_view(existing.as_deref().unwrap_or(""), profile, name, view).map_err(cannot)?;
    // What is written must read back as settings do.
    text.parse::<toml::Table>()
        .map_err(|e| cannot(format!("the edit would not read back ({})", e.message())))?;
    match existing {
        Some(_) => replace(&target, &text).map_err(|e| cannot(e.to_string()))?,
        None => create(&target, &text).map_err(|e| cannot(e.to_string()))?,
    }
    Ok(target)
}

/// The file's text with the view set (added, or replaced key by key).
pub fn with_view(text: &str, profile: &str, name: &str, view: &ViewFile) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("it is not valid TOML: {}", e.message()))?;
    let profiles = sub_table(doc.as_table_mut(), "profiles", "profiles")?;
    let at = format!("profiles.{profile}");
    let profile_table = sub_table(profiles, profile, &at)?;
    let views = sub_table(profile_table, "views", &format!("{at}.views"))?;
    let entry = views
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()));
    let table = entry
        .as_table_mut()
        .ok_or_else(|| format!("`{at}.views.{name}` is not a table"))?;
    table.set_implicit(false);
    table.insert("search", value(view.search.as_str()));
    table.insert("filter", value(view.filter.as_str()));
    table.insert("sort", value(view.sort.as_str()));
    let mut columns = toml_edit::Array::new();
    for c in &view.columns {
        columns.push(c.as_str());
    }
    table.insert("columns", value(columns));
    Ok(doc.to_string())
}

/// `parent.key` as a table of tables, made (implicit: no header of its own) when missing.
fn sub_table<'a>(parent: &'a mut Table, key: &str, path: &str) -> Result<&'a mut Table, String> {
    let item = parent.entry(key).or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    item.as_table_mut().ok_or_else(|| {
        format!(
            "`{path}` is written inline or is not a table; write it as [{path}] to save views there"
        )
    })
}

/// Writes `text` over `path` in one step: a temporary file beside it with the same mode,
/// flushed, then renamed over it.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.toml".into());
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let permissions = std::fs::metadata(path)?.permissions();
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Private until it has the original's mode.
            options.mode(0o600);
        }
        let mut out = options.open(&temp)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A new config file: its folder 0700 (when made here), the file 0600.
fn create(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(path)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()
}

#[cfg(test)]
#[path = "config_edit_tests.rs"]
mod tests;
