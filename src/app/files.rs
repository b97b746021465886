//! The loop's own file work for the command line: `:export`'s CSV, `:theme`'s theme,
//! `:view save`'s config file (edited by `crate::config_edit`). `update` asks for these
//! as commands and hears how they went as actions.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::theme::{ColorDepth, Theme};

/// A path as typed: `~` and `~/…` are the home folder; a relative path is under the
/// current folder.
pub fn expand(typed: &str, home: Option<&Path>) -> PathBuf {
    let typed = typed.trim();
    match (typed.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(typed),
    }
}

/// Writes `contents` to the file the user named, private to them (0600). An existing
/// file is replaced only when `overwrite` says so; otherwise it is refused in words.
/// Returns the path written, as absolute as the current folder allows.
pub fn write_user_file(typed: &str, overwrite: bool, contents: &[u8]) -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = expand(typed, home.as_deref());
    let shown = std::env::current_dir()
        .map(|d| d.join(&path))
        .unwrap_or_else(|_| path.clone());
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} exists: nothing was written (`:export! {typed}` replaces it)",
                shown.display()
            )
        } else {
            format!("Cannot write {}: {e}", shown.display())
        }
    })?;
    let written = (|| {
        // A file replaced keeps no wider mode than a new one gets.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(contents)?;
        file.sync_all()
    })();
    written.map_err(|e| format!("Cannot write {}: {e}", shown.display()))?;
    Ok(shown)
}

/// What `:export` says when the file is written.
pub fn exported_words(path: &Path, users: usize, all_loaded: bool) -> String {
    let more = if all_loaded {
        ""
    } else {
        " (the users loaded so far: L loads every page)"
    };
    format!(
        "{} users to {}{more}",
        crate::bulk::thousands(users as u64),
        path.display()
    )
}

/// Theme `name` as the console would load it at start (NO_COLOR, the terminal's depth).
pub fn load_theme(name: &str, dir: Option<&Path>) -> Result<Theme, String> {
    let env = |name: &str| std::env::var(name).ok();
    let no_color = crate::theme::no_color_requested(&env);
    Theme::load(name, dir, ColorDepth::detect(&env), no_color)
        .map_err(|e| format!("Theme `{name}` could not be loaded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_is_the_home_folder() {
        let home = Path::new("/home/ann");
        assert_eq!(
            expand("~/x.csv", Some(home)),
            PathBuf::from("/home/ann/x.csv")
        );
        assert_eq!(expand("x.csv", Some(home)), PathBuf::from("x.csv"));
        assert_eq!(
            expand("~bob/x.csv", Some(home)),
            PathBuf::from("~bob/x.csv")
        );
        assert_eq!(expand("~/x.csv", None), PathBuf::from("~/x.csv"));
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing_was_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        let typed = path.to_str().unwrap();
        write_user_file(typed, false, b"one").unwrap();
        let e = write_user_file(typed, false, b"two").unwrap_err();
        assert!(e.contains("exists") && e.contains("export!"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_user_file(typed, true, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
