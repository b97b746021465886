use clap::CommandFactory as _;

use super::*;

fn cli() -> clap::Command {
    crate::Cli::command()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn the_version_names_the_commit() {
    let rest = VERSION
        .strip_prefix(concat!(env!("CARGO_PKG_VERSION"), " (commit "))
        .unwrap();
    let commit = rest.strip_suffix(')').unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 4 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{VERSION}"
    );
    let help = cli().render_version();
    assert_eq!(help.trim(), format!("onelogin-tui {VERSION}"));
}

#[test]
fn every_shell_offers_the_profiles_for_every_profile_flag() {
    let names = ["acme".to_string(), "prod.eu".into(), "two words".into()];
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let script = text(completions(cli(), shell, &names));
        assert!(script.contains("prod.eu"), "{shell:?}");
        assert!(
            !script.contains("two words"),
            "{shell:?}: a name to quote is left out"
        );
        assert!(script.contains("apply"), "{shell:?}");
    }
    // bash: the top level and each subcommand that takes --profile.
    let bash = text(completions(cli(), Shell::Bash, &names));
    let offers = bash.matches(r#"compgen -W "acme prod.eu""#).count();
    // --profile and -p, at the top and in apply, resume, undo, export and the five verbs.
    assert!(offers >= 2 * 10, "{offers} offers");
    // Without names, --profile completes as any other value.
    let plain = text(completions(cli(), Shell::Bash, &[]));
    assert!(!plain.contains("acme"));
}

#[test]
fn every_bash_state_the_loop_sets_has_its_arm() {
    let bash = text(completions(cli(), Shell::Bash, &[]));
    let states: Vec<&str> = bash
        .split("cmd=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|state| !state.is_empty())
        .collect();
    assert!(states.len() > 20, "{states:?}");
    for state in states {
        assert!(
            bash.contains(&format!("\n        {state})\n")),
            "no arm for {state}"
        );
    }
    assert!(!bash.contains("onelogin__subcmd__tui"));
}

#[test]
fn the_profile_values_do_not_reach_parsing() {
    // The generated script's values are the script's: the real parser takes any name.
    let parsed = cli().try_get_matches_from(["onelogin-tui", "--profile", "not-in-the-file"]);
    assert!(parsed.is_ok());
}

#[test]
fn one_man_page_holds_every_command() {
    let page = text(man_page(cli()).unwrap());
    assert!(page.contains("\n.TH onelogin-tui 1 "), "{}", &page[..80]);
    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "FILES",
        "VERSION",
    ] {
        let line = format!("\n.SH {heading}\n");
        assert_eq!(page.matches(&line).count(), 1, "{heading} once");
    }
    for sub in [
        "apply",
        "resume",
        "undo",
        "export",
        "lock",
        "set-state",
        "cache",
        "cache status",
        "cache clear",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!(".SS \"onelogin-tui {sub}\"")),
            "{sub} has its subsection"
        );
    }
    #[cfg(feature = "sandbox")]
    assert!(page.contains(".SS \"onelogin-tui sandbox\""));
    // Nothing points to pages that are not shipped.
    assert!(!page.contains("onelogin-tui-apply(1)"));
    assert!(
        !page.contains("onelogin-tui help"),
        "clap's help subcommand is not a command"
    );
    assert!(page.contains(VERSION));
    // Export's help has an arrow: written as groff's escape, the page is ASCII.
    assert!(page.is_ascii());
    assert!(page.contains("(export \\[u2192] edit \\[u2192] apply)"));
}

#[test]
fn a_subcommand_part_keeps_within_its_subsection() {
    let part = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH SYNOPSIS\n\\fBx\\fR\n.SH OPTIONS\n.TP\n";
    assert_eq!(
        text(without_preamble(part, Level::Subsection)),
        ".PP\n\\fBx\\fR\n.PP\n.B OPTIONS\n.TP\n"
    );
    assert_eq!(
        text(without_preamble(part, Level::Section)),
        ".SH SYNOPSIS\n\\fBx\\fR\n.SH OPTIONS\n.TP\n"
    );
}

#[test]
fn the_preamble_is_written_once() {
    let page = text(man_page(cli()).unwrap());
    assert_eq!(page.matches(".ds Aq").count(), 2, "the .ie/.el pair once");
}
