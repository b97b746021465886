use super::*;
use std::collections::HashMap;
use std::io::Write;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn write_config(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let path = dir.join("config.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

fn load(
    text: &str,
    mode: u32,
    env: &[(&str, &str)],
    o: Overrides,
) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), text, mode);
    let o = Overrides {
        config: Some(path),
        ..o
    };
    Settings::load_with(&o, &env_of(env), dirs_in(dir.path()))
}

/// Program folders inside a test's own folder.
fn dirs_in(dir: &Path) -> AppDirs {
    AppDirs {
        config: Some(dir.join("config/onelogin-tui")),
        state: dir.join("state/onelogin-tui"),
        cache: dir.join("cache/onelogin-tui"),
    }
}

#[test]
fn defaults_come_from_the_sample_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = Settings::load_with(&Overrides::default(), &env_of(&[]), dirs_in(dir.path())).unwrap();
    assert_eq!(s.profile, "default");
    assert_eq!(s.connection.base_url, "https://api.us.onelogin.com");
    assert_eq!(s.connection.v3_base_url, "https://api.onelogin.com");
    assert_eq!(s.ui.request_log_capacity, 10_000);
    assert_eq!(s.bulk.concurrency, 4);
    assert!((s.bulk.max_budget_share - 0.8).abs() < f64::EPSILON);
    assert_eq!(s.log.dir, dir.path().join("state/onelogin-tui/logs"));
    assert!(!s.read_only);
}

#[test]
fn file_then_env_then_flags() {
    let text = "profile = \"acme\"\n[profiles.acme]\nregion = \"eu\"\nclient_id = \"from-file\"\n[ui]\ncolumns = [\"AWS_Role\"]\n";
    let s = load(text, 0o644, &[], Overrides::default()).unwrap();
    assert_eq!(s.profile, "acme");
    assert_eq!(s.connection.base_url, "https://api.eu.onelogin.com");
    assert_eq!(s.connection.client_id.as_deref(), Some("from-file"));
    assert_eq!(s.ui.columns, vec!["AWS_Role".to_string()]);

    let env = [
        ("ONELOGIN_CLIENT_ID", "from-env"),
        ("ONELOGIN_SUBDOMAIN", "acme"),
    ];
    let s = load(text, 0o644, &env, Overrides::default()).unwrap();
    assert_eq!(s.connection.client_id.as_deref(), Some("from-env"));
    assert_eq!(s.connection.base_url, "https://acme.onelogin.com");

    let flags = Overrides {
        base_url: Some("http://127.0.0.1:8089".into()),
        read_only: true,
        ..Overrides::default()
    };
    let s = load(text, 0o644, &env, flags).unwrap();
    assert_eq!(s.connection.base_url, "http://127.0.0.1:8089");
    assert_eq!(s.connection.v3_base_url, "http://127.0.0.1:8089");
    assert!(s.read_only);
}

#[test]
fn a_host_named_in_the_environment_beats_any_host_form_in_the_file() {
    let text = "[profiles.default]\nbase_url = \"https://acme.onelogin.com\"\n";
    let s = load(
        text,
        0o600,
        &[("ONELOGIN_REGION", "eu")],
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(s.connection.base_url, "https://api.eu.onelogin.com");
    let o = Overrides {
        subdomain: Some("flag".into()),
        ..Overrides::default()
    };
    let s = load(text, 0o600, &[("ONELOGIN_API_URL", "https://x.example")], o).unwrap();
    assert_eq!(s.connection.base_url, "https://flag.onelogin.com");
}

#[test]
fn profiles_are_chosen_by_flag() {
    let text =
        "[profiles.us]\nregion = \"us\"\n[profiles.eu]\nregion = \"eu\"\nuser_update = \"v3\"\n";
    let o = Overrides {
        profile: Some("eu".into()),
        ..Overrides::default()
    };
    let s = load(text, 0o600, &[], o).unwrap();
    assert_eq!(s.connection.base_url, "https://api.eu.onelogin.com");
    assert_eq!(s.connection.user_update, UserUpdateApi::V3);
}

#[test]
fn the_environment_reaches_a_profile_of_any_name() {
    for name in [
        "acme.prod",
        "acme-prod",
        "ACME",
        "acme prod",
        "a.b.c",
        "default",
    ] {
        let text = format!("[profiles.{:?}]\nregion = \"eu\"\n", name);
        let env = [
            ("ONELOGIN_CLIENT_ID", "env-id"),
            ("ONELOGIN_CLIENT_SECRET", "env-secret"),
            ("ONELOGIN_API_KEY", "env-key"),
        ];
        let o = Overrides {
            profile: Some(name.into()),
            subdomain: Some("flag".into()),
            ..Overrides::default()
        };
        let s = load(&text, 0o600, &env, o).unwrap();
        assert_eq!(s.profile, name);
        assert_eq!(s.connection.client_id.as_deref(), Some("env-id"), "{name}");
        assert_eq!(
            s.connection
                .client_secret
                .map(|s| s.expose_secret().to_string()),
            Some("env-secret".into()),
            "{name}"
        );
        assert!(s.connection.api_key.is_some(), "{name}");
        assert_eq!(s.connection.base_url, "https://flag.onelogin.com", "{name}");
    }
    assert_eq!(profile_section("acme-1_x"), "[profiles.acme-1_x]");
    assert_eq!(profile_section("acme.prod"), "[profiles.\"acme.prod\"]");
    // The file's values for a dotted name are read too, not only the environment's.
    let text = "profile = \"acme.prod\"\n[profiles.\"acme.prod\"]\nregion = \"eu\"\nclient_id = \"file-id\"\n";
    let s = load(text, 0o600, &[], Overrides::default()).unwrap();
    assert_eq!(s.connection.base_url, "https://api.eu.onelogin.com");
    assert_eq!(s.connection.client_id.as_deref(), Some("file-id"));
}

#[test]
fn a_readable_file_with_a_secret_is_refused_naming_chmod() {
    let text = "[profiles.default]\nclient_id = \"x\"\nclient_secret = \"s3cr3t\"\n";
    let err = load(text, 0o644, &[], Overrides::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("chmod 600"), "{msg}");
    assert!(msg.contains("config.toml"), "{msg}");
    assert!(!msg.contains("s3cr3t"), "{msg}");
    let s = load(text, 0o600, &[], Overrides::default()).unwrap();
    assert_eq!(
        s.connection.client_secret.unwrap().expose_secret(),
        "s3cr3t"
    );
}

#[test]
fn a_readable_file_without_secrets_is_fine() {
    assert!(
        load(
            "[profiles.default]\nclient_id = \"x\"\n",
            0o644,
            &[],
            Overrides::default()
        )
        .is_ok()
    );
}

#[test]
fn secrets_from_the_environment_are_secret() {
    let env = [
        ("ONELOGIN_CLIENT_SECRET", "env-secret"),
        ("ONELOGIN_API_KEY", "key-1"),
    ];
    let s = load("", 0o644, &env, Overrides::default()).unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("env-secret") && !debug.contains("key-1"),
        "{debug}"
    );
    assert_eq!(s.connection.api_key.unwrap().expose_secret(), "key-1");
}

#[test]
fn plain_http_only_on_loopback() {
    for (url, ok) in [
        ("http://127.0.0.1:8089", true),
        ("http://localhost:1", true),
        ("http://[::1]:80", true),
        ("http://api.us.onelogin.com", false),
        ("http://10.0.0.5", false),
        ("ftp://x", false),
        ("https://acme.onelogin.com", true),
    ] {
        let o = Overrides {
            base_url: Some(url.into()),
            ..Overrides::default()
        };
        assert_eq!(load("", 0o600, &[], o).is_ok(), ok, "{url}");
    }
}

#[test]
fn bad_values_say_what_is_wrong() {
    let o = Overrides {
        region: Some("ap".into()),
        ..Overrides::default()
    };
    let msg = load("", 0o600, &[], o).unwrap_err().to_string();
    assert!(msg.contains("us, eu"), "{msg}");
    let msg = load(
        "[bulk]\nmax_budget_share = 2.0\n",
        0o600,
        &[],
        Overrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("max_budget_share"), "{msg}");
    let msg = load(
        "[http]\ntimeout_secs = \"soon\"\n",
        0o600,
        &[],
        Overrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("config.toml line 2, column 16: invalid type: string \"soon\""),
        "{msg}"
    );
    for text in [
        "[profiles.default]\nclient_secret = 123456\n",
        "[profiles.default]\napi_key = \"s3cr3t\n",
    ] {
        let msg = load(text, 0o600, &[], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 2"), "{msg}");
        assert!(!msg.contains("123456") && !msg.contains("s3cr3t"), "{msg}");
    }
    let msg = load("not toml [", 0o600, &[], Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("invalid settings"), "{msg}");
}

/// Found by the config fuzz oracle (fuzz/corpus/config/secret_inside_multiline_string): an
/// error about another key quoted that key's string value, and the value ran over a line
/// that sets a secret. Nor is a secret shown when its key is quoted or dotted.
#[test]
fn no_error_quotes_a_line_that_sets_a_secret() {
    for text in [
        "log = \"\"\"\n[profiles.default]\nclient_secret = \"s3cr3t-in-a-string\"\n\"\"\"\n",
        "[profiles.default]\n\"client_secret\" = 123456\n",
        "profiles.default.api_key = 123456\n",
    ] {
        let msg = load(text, 0o600, &[], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("config.toml line"), "{msg}");
        assert!(!msg.contains("s3cr3t") && !msg.contains("123456"), "{msg}");
    }
}

#[test]
fn a_missing_explicit_file_is_an_error() {
    let o = Overrides {
        config: Some("/nonexistent/x.toml".into()),
        ..Overrides::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let msg = Settings::load_with(&o, &env_of(&[]), dirs_in(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("/nonexistent/x.toml"), "{msg}");
}

#[test]
fn the_file_in_the_config_folder_is_read_first() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = dirs_in(dir.path());
    let path = dirs.config_files()[0].clone();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "profile = \"found\"\n").unwrap();
    let s = Settings::load_with(&Overrides::default(), &env_of(&[]), dirs).unwrap();
    assert_eq!(s.profile, "found");
    assert_eq!(s.config_file, Some(path));
}

#[test]
fn api_mode_is_auto_unless_a_profile_pins_v1() {
    let s = load("", 0o600, &[], Overrides::default()).unwrap();
    assert_eq!(s.connection.api, ApiMode::Auto);
    let text = "[profiles.strict]\napi = \"v1\"\n";
    let o = Overrides {
        profile: Some("strict".into()),
        ..Overrides::default()
    };
    let s = load(text, 0o600, &[], o).unwrap();
    assert_eq!(s.connection.api, ApiMode::V1);
    let bad = load(
        "[profiles.default]\napi = \"v2\"\n",
        0o600,
        &[],
        Overrides::default(),
    );
    assert!(bad.is_err(), "an unknown mode is refused, not guessed");
}

#[test]
fn completions_read_the_profile_names_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    // A secret in a file others can read: Settings refuses it, the names are still read.
    let text = "[profiles.prod]\nclient_secret = \"s\"\n[profiles.\"acme.eu\"]\nregion = \"eu\"\n[profiles.default]\n";
    let path = write_config(dir.path(), text, 0o644);
    let dirs = dirs_in(dir.path());
    let names = profile_names(Some(&path), &dirs).unwrap();
    assert_eq!(names, ["acme.eu", "default", "prod"]);
    // Without --config: the config folder's file first, as Settings reads it.
    std::fs::create_dir_all(dirs.config.as_ref().unwrap()).unwrap();
    write_config(dirs.config.as_ref().unwrap(), "[profiles.home]\n", 0o600);
    assert_eq!(profile_names(None, &dirs).unwrap(), ["home"]);
    // A --config that is not there is said so, as is a file that is not TOML.
    let missing = profile_names(Some(&dir.path().join("nope.toml")), &dirs).unwrap_err();
    assert!(missing.to_string().contains("no such file"), "{missing}");
    let bad = write_config(dir.path(), "[profiles\n", 0o600);
    let invalid = profile_names(Some(&bad), &dirs).unwrap_err();
    assert!(invalid.to_string().contains("line 1"), "{invalid}");
}

#[test]
fn another_profile_is_read_from_the_file_without_the_start_profiles_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        r#"
profile = "prod"
[profiles.prod]
subdomain = "acme"
protected = true
color = "red"
[profiles.test]
subdomain = "acme-test"
client_id = "test-id"
client_secret = "test-secret"
color = "blue"
"#,
        0o600,
    );
    let env = env_of(&[
        ("ONELOGIN_CLIENT_ID", "prod-id"),
        ("ONELOGIN_CLIENT_SECRET", "prod-secret"),
        ("ONELOGIN_API_URL", "https://prod.example.com"),
    ]);
    let start = Overrides {
        config: Some(path),
        read_only: true,
        ..Overrides::default()
    };
    let prod = Settings::load_with(&start, &env, dirs_in(dir.path())).unwrap();
    assert_eq!(prod.connection.client_id.as_deref(), Some("prod-id"));
    assert!(prod.protected);

    let test = prod
        .other_profile("test", &env, dirs_in(dir.path()))
        .unwrap();
    assert_eq!(test.profile, "test");
    // The prod credentials and host in the environment never reach the test tenant.
    assert_eq!(test.connection.client_id.as_deref(), Some("test-id"));
    assert_eq!(
        test.connection
            .client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_string())
            .as_deref(),
        Some("test-secret")
    );
    assert_eq!(test.connection.base_url, "https://acme-test.onelogin.com");
    assert_eq!(test.color.as_deref(), Some("blue"));
    assert!(!test.protected);
    // --read-only was given for the whole session.
    assert!(test.read_only);

    let err = prod
        .other_profile("staging", &env, dirs_in(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no profile \"staging\""), "{err}");
    assert!(err.contains("prod, test"), "{err}");
}
