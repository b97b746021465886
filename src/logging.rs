//! Logging: tracing to a daily rolling file, written off the calling thread.
//!
//! Nothing goes to stdout or stderr: while the console runs they belong to the screen.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// File name prefix of the log files: `onelogin-tui.log.YYYY-MM-DD`.
pub const LOG_FILE_PREFIX: &str = "onelogin-tui.log";

/// Keeps the writer thread alive; dropping it flushes what is queued.
pub struct LogGuard {
    _worker: WorkerGuard,
    pub dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the log folder {dir}: {message}")]
    Dir { dir: PathBuf, message: String },
    #[error("invalid log level {level:?}: {message}")]
    Level { level: String, message: String },
    #[error("logging is already set up")]
    AlreadySet,
}

/// Parses a level or a tracing filter directive ("debug", "info,onelogin_tui::http=debug").
pub fn filter(level: &str) -> Result<EnvFilter, LogError> {
    EnvFilter::builder()
        .parse(level)
        .map_err(|e| LogError::Level {
            level: level.to_string(),
            message: e.to_string(),
        })
}

/// Starts logging to `dir` for the rest of the process.
pub fn init(dir: &Path, level: &str) -> Result<LogGuard, LogError> {
    let filter = filter(level)?;
    create_private_dir(dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .build(dir)
        .map_err(|e| LogError::Dir {
            dir: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    let (writer, worker) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_target(true)
        .try_init()
        .map_err(|_| LogError::AlreadySet)?;
    Ok(LogGuard {
        _worker: worker,
        dir: dir.to_path_buf(),
    })
}

/// The log folder may hold request URLs and user data: keep it to its owner.
fn create_private_dir(dir: &Path) -> Result<(), LogError> {
    let err = |e: std::io::Error| LogError::Dir {
        dir: dir.to_path_buf(),
        message: e.to_string(),
    };
    crate::private_files::create_dir(dir).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_directives_parse_and_nonsense_is_named() {
        assert!(filter("debug").is_ok());
        assert!(filter("info,onelogin_tui::http=debug").is_ok());
        let msg = filter("info,=,[").map(|_| ()).unwrap_err().to_string();
        assert!(msg.contains("invalid log level"), "{msg}");
    }
}
