//! No flag of the program takes a secret: an argument shows in `ps` and in shell history.
//! Credentials come from the environment, the config file (mode 0600) or nowhere. The
//! only exception is `sandbox`, whose made-up credentials for a loopback test tenant are
//! printed at its start anyway (and can come from the environment too).
//! Read from the real binary's `--help`, for every subcommand, so a new flag is checked too.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_onelogin-tui"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The long flags a help text lists.
fn flags(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.trim_end_matches([',', '.', ')', ']', '`']).to_string())
        .collect()
}

#[test]
fn no_flag_takes_a_secret() {
    let top = help(&[]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.starts_with("Options:"))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut checked = vec![(String::new(), flags(&top))];
    for command in &commands {
        checked.push((command.clone(), flags(&help(&[command]))));
    }
    for sub in ["status", "refresh", "clear"] {
        checked.push((format!("cache {sub}"), flags(&help(&["cache", sub]))));
    }
    let secret_words = [
        "secret",
        "token",
        "password",
        "api-key",
        "apikey",
        "credential",
    ];
    for (command, flags) in &checked {
        for flag in flags {
            let secret = secret_words.iter().any(|w| flag.contains(w));
            if command == "sandbox" {
                continue;
            }
            assert!(
                !secret,
                "`{command} {flag}` takes a secret on the command line"
            );
        }
    }
    // The sandbox's made-up credentials can come from the environment as well.
    #[cfg(feature = "sandbox")]
    {
        let sandbox = help(&["sandbox"]);
        assert!(
            sandbox.contains("ONELOGIN_SANDBOX_CLIENT_SECRET"),
            "{sandbox}"
        );
        assert!(sandbox.contains("ONELOGIN_SANDBOX_API_KEY"), "{sandbox}");
    }
}
