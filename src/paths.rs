//! Where onelogin-tui keeps its files: the XDG base directories, on every platform, as
//! README.md documents them. etcetera reads `XDG_CONFIG_HOME`, `XDG_STATE_HOME` and the
//! home folder (a relative `XDG_*` value is ignored, as the specification says).

use std::path::PathBuf;

use etcetera::base_strategy::{BaseStrategy, Xdg};

const APP: &str = "onelogin-tui";

/// The program's own folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    /// `$XDG_CONFIG_HOME/onelogin-tui` (`~/.config/onelogin-tui`); none without a home.
    pub config: Option<PathBuf>,
    /// `$XDG_STATE_HOME/onelogin-tui` (`~/.local/state/onelogin-tui`); in the temporary
    /// folder when there is no home.
    pub state: PathBuf,
    /// `$XDG_CACHE_HOME/onelogin-tui` (`~/.cache/onelogin-tui`): the per-tenant user
    /// caches; in the temporary folder when there is no home.
    pub cache: PathBuf,
}

impl AppDirs {
    /// The folders this process's environment names.
    pub fn from_process() -> AppDirs {
        match Xdg::new() {
            Ok(xdg) => AppDirs {
                config: Some(xdg.config_dir().join(APP)),
                state: xdg
                    .state_dir()
                    .unwrap_or_else(|| xdg.home_dir().join(".local/state"))
                    .join(APP),
                cache: xdg.cache_dir().join(APP),
            },
            Err(_) => AppDirs {
                config: None,
                state: std::env::temp_dir().join(APP),
                cache: std::env::temp_dir().join(APP).join("cache"),
            },
        }
    }

    /// Where the config file is looked for when `--config` is not given, in order.
    pub fn config_files(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.config.iter().map(|d| d.join("config.toml")).collect();
        paths.push(PathBuf::from("config.toml"));
        paths
    }

    /// The folder of theme files: the config folder's `themes/`, else `./themes`, if either exists.
    pub fn themes(&self) -> Option<PathBuf> {
        self.config
            .as_ref()
            .map(|d| d.join("themes"))
            .filter(|d| d.is_dir())
            .or_else(|| Some(PathBuf::from("themes")).filter(|d| d.is_dir()))
    }

    /// The default folder of the daily log files.
    pub fn logs(&self) -> PathBuf {
        self.state.join("logs")
    }

    /// The folder of the bulk runs' journals.
    pub fn runs(&self) -> PathBuf {
        self.state.join("runs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_sit_in_the_program_folders() {
        let dirs = AppDirs {
            config: Some(PathBuf::from("/x/onelogin-tui")),
            state: PathBuf::from("/s/onelogin-tui"),
            cache: PathBuf::from("/c/onelogin-tui"),
        };
        assert_eq!(
            dirs.config_files(),
            [
                PathBuf::from("/x/onelogin-tui/config.toml"),
                PathBuf::from("config.toml")
            ]
        );
        assert_eq!(dirs.logs(), PathBuf::from("/s/onelogin-tui/logs"));
        assert_eq!(dirs.runs(), PathBuf::from("/s/onelogin-tui/runs"));
        let homeless = AppDirs {
            config: None,
            state: PathBuf::from("/tmp/onelogin-tui"),
            cache: PathBuf::from("/tmp/onelogin-tui/cache"),
        };
        assert_eq!(homeless.config_files(), [PathBuf::from("config.toml")]);
    }

    #[test]
    fn the_themes_folder_is_the_config_one_when_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs {
            config: Some(dir.path().to_path_buf()),
            state: dir.path().join("state"),
            cache: dir.path().join("cache"),
        };
        // Tests run in the crate root, whose ./themes holds the built-ins' sources.
        assert_eq!(dirs.themes(), Some(PathBuf::from("themes")));
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        assert_eq!(dirs.themes(), Some(dir.path().join("themes")));
    }
}
