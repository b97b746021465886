use super::*;
use crate::config::{AppDirs, Overrides, Settings};

fn view() -> ViewFile {
    ViewFile {
        search: "department:Sales".into(),
        filter: "cc-10".into(),
        sort: "email desc".into(),
        columns: vec!["id".into(), "custom_attributes.cost_center:12".into()],
    }
}

fn settings(config: &Path) -> Settings {
    let dirs = AppDirs {
        config: None,
        state: config.with_file_name("state"),
        cache: config.with_file_name("cache"),
    };
    let overrides = Overrides {
        config: Some(config.to_path_buf()),
        ..Overrides::default()
    };
    Settings::load_with(&overrides, &|_| None, dirs).unwrap()
}

#[test]
fn a_view_joins_the_file_and_every_comment_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = "# my settings\nprofile = \"default\"\n\n[ui]\n# dark at night\ntheme = \"dark\"\n\n[profiles.default]\nregion = \"eu\" # the EU tenant\n";
    std::fs::write(&path, original).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    save_view(&path, "default", "mine", &view()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(original),
        "the user's text is kept as it was:\n{text}"
    );
    assert!(text.contains("[profiles.default.views.mine]"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the file keeps its mode");
    }
    let s = settings(&path);
    assert_eq!(s.views["default"]["mine"], view());
    // Saved again with other values: replaced, not repeated.
    let mut other = view();
    other.filter = "x".into();
    save_view(&path, "default", "mine", &other).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("views.mine]").count(), 1, "{text}");
    assert_eq!(settings(&path).views["default"]["mine"].filter, "x");
}

#[test]
fn with_no_file_one_is_made_private_with_the_view_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config/onelogin-tui/config.toml");
    let written = save_view(&path, "sandbox", "mine", &view()).unwrap();
    assert_eq!(written, path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[profiles.sandbox.views.mine]"), "{text}");
    assert!(
        !text.contains("client"),
        "no secret, no credential:\n{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    let s = settings(&path);
    assert_eq!(s.views["sandbox"]["mine"], view());
}

#[test]
fn a_profile_written_inline_is_refused_in_words() {
    let text = "profiles = { default = { region = \"us\" } }\n";
    let e = with_view(text, "default", "mine", &view()).unwrap_err();
    assert!(e.contains("inline"), "{e}");
    let e = with_view("this is = = not toml", "default", "mine", &view()).unwrap_err();
    assert!(e.contains("not valid TOML"), "{e}");
}

#[test]
fn an_unknown_start_view_names_the_views_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    save_view(&path, "sandbox", "mine", &view()).unwrap();
    let mut s = settings(&path);
    s.profile = "sandbox".into();
    s.view = Some("theirs".into());
    let e = s.start_view().unwrap_err();
    assert!(e.contains("no view `theirs`") && e.contains("mine"), "{e}");
    s.view = Some("mine".into());
    assert_eq!(s.start_view().unwrap(), Some(("mine".into(), view())));
    s.profile = "default".into();
    assert!(s.start_view().unwrap_err().contains("no saved views"));
}
