//! What the command line says about itself: `--version` (with the commit, from build.rs),
//! `completions bash|zsh|fish` and `man`, all generated from the clap definitions so they
//! cannot drift from the flags.
//!
//! Completions offer the config file's profile names for `--profile`: they are read when
//! the script is generated (clap_complete's dynamic completion is not stable), so a
//! profile added later needs the script generated again.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Subcommand, ValueEnum};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};
use onelogin_tui::config::{self, AppDirs};

/// `onelogin-tui --version`: the package version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ONELOGIN_TUI_COMMIT"),
    ")"
);

const BIN: &str = "onelogin-tui";

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Print a shell completion script (profile names from the config file included).
    ///
    /// bash: onelogin-tui completions bash > ~/.local/share/bash-completion/completions/onelogin-tui
    /// zsh:  onelogin-tui completions zsh > ~/.zfunc/_onelogin-tui (with fpath+=(~/.zfunc) before compinit)
    /// fish: onelogin-tui completions fish > ~/.config/fish/completions/onelogin-tui.fish
    ///
    /// Profile names are read now: generate the script again after adding a profile.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
    /// Print the man page (roff): onelogin-tui man > onelogin-tui.1 && man ./onelogin-tui.1
    Man,
}

/// The shells a completion script is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl DocsCommand {
    /// Prints the script or the page for `cli` (the whole command line); `config` is
    /// `--config`, where the profile names are read.
    pub fn run(&self, cli: clap::Command, config: Option<&Path>) -> ExitCode {
        let (what, text) = match self {
            DocsCommand::Completions { shell } => {
                let names = match config::profile_names(config, &AppDirs::from_process()) {
                    Ok(names) => names,
                    Err(e) => {
                        eprintln!("onelogin-tui: completions without profile names: {e}");
                        Vec::new()
                    }
                };
                ("completion script", Ok(completions(cli, *shell, &names)))
            }
            DocsCommand::Man => ("man page", man_page(cli)),
        };
        let written = text.and_then(|text| {
            let mut out = std::io::stdout().lock();
            out.write_all(&text)?;
            out.flush()
        });
        match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("onelogin-tui: cannot write the {what}: {e}");
                ExitCode::from(1)
            }
        }
    }
}

/// The completion script for `shell`, offering `profiles` wherever `--profile` is taken.
/// Names a shell would need quoted (spaces, quotes, `$`, …) are left out: type those.
pub fn completions(cli: clap::Command, shell: Shell, profiles: &[String]) -> Vec<u8> {
    let offered: Vec<String> = profiles
        .iter()
        .filter(|name| plain_word(name))
        .cloned()
        .collect();
    let mut cmd = offer_profiles(cli, &offered);
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, BIN, &mut out);
            return bash_hyphen_fix(&out);
        }
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, BIN, &mut out),
        Shell::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, BIN, &mut out),
    }
    out
}

/// clap_complete's bash script spells a subcommand's state two ways when the program's
/// name has a hyphen (clap-rs/clap#6421, open): the loop sets `onelogin__tui__subcmd__apply`,
/// the arm reads `onelogin__subcmd__tui__subcmd__apply`, so nothing after a subcommand
/// completes. The arms are given the loop's spelling; once clap spells them alike, this
/// finds nothing to change.
fn bash_hyphen_fix(script: &[u8]) -> Vec<u8> {
    let wrong = format!("{}__subcmd__", BIN.replace('-', "__subcmd__"));
    let right = format!("{}__subcmd__", BIN.replace('-', "__"));
    String::from_utf8_lossy(script)
        .replace(&wrong, &right)
        .into_bytes()
}

/// Letters, digits, `-`, `_` and `.`: a word every shell's completion takes as it is.
fn plain_word(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `cmd` with `--profile` (here and in every subcommand) taking `names` as its possible
/// values: only for generating a script, parsing keeps accepting any name.
fn offer_profiles(cmd: clap::Command, names: &[String]) -> clap::Command {
    if names.is_empty() {
        return cmd;
    }
    let cmd = if cmd.get_arguments().any(|a| a.get_id() == "profile") {
        let names = names.to_vec();
        cmd.mut_arg("profile", |arg| {
            arg.value_parser(PossibleValuesParser::new(names))
        })
    } else {
        cmd
    };
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    subcommands.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |sub| offer_profiles(sub, names))
    })
}

/// One page for the whole command line: the program's own sections, then a COMMANDS
/// section with each subcommand's synopsis, description and options (a jump host gets
/// one file, and nothing points to pages that are not there).
pub fn man_page(cli: clap::Command) -> std::io::Result<Vec<u8>> {
    type Render = fn(&Man, &mut dyn Write) -> std::io::Result<()>;
    let mut cmd = cli.disable_help_subcommand(true);
    cmd.build();
    let man = Man::new(cmd.clone());
    let mut out = Vec::new();
    // The title carries roff's preamble (the apostrophe string); every later part drops it.
    man.render_title(&mut out)?;
    let sections: [Render; 4] = [
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ];
    for render in sections {
        out.extend(part(&man, render, Level::Section)?);
    }
    let mut commands = Roff::default();
    commands.control("SH", ["COMMANDS"]);
    out.extend(without_preamble(&commands.render(), Level::Section));
    for sub in every_subcommand(&cmd) {
        let page = Man::new(sub.clone());
        let mut title = Roff::default();
        title.control("SS", [sub.get_bin_name().unwrap_or_else(|| sub.get_name())]);
        out.extend(without_preamble(&title.render(), Level::Section));
        let sections: [Render; 3] = [
            Man::render_synopsis_section,
            Man::render_description_section,
            Man::render_options_section,
        ];
        for render in sections {
            out.extend(part(&page, render, Level::Subsection)?);
        }
    }
    let mut end = Roff::default();
    end.control("SH", ["FILES"]);
    for (path, what) in FILES {
        end.control("TP", []);
        end.text([roman(*path)]);
        end.text([roman(*what)]);
    }
    end.control("SH", ["VERSION"]);
    end.text([roman(VERSION)]);
    out.extend(without_preamble(&end.render(), Level::Section));
    Ok(ascii_only(&out))
}

/// The page in ASCII: any other character as groff's `\[uXXXX]`, which man-db, groff and
/// mandoc all read, whatever the input encoding they assume (a bare UTF-8 `→` is two
/// Latin-1 characters to a groff run without preconv).
fn ascii_only(page: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(page.len());
    for c in String::from_utf8_lossy(page).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out.into_bytes()
}

/// The subcommands, each followed by its own (`cache`, then `cache status`, …); hidden ones
/// and clap's `help` left out.
fn every_subcommand(cmd: &clap::Command) -> Vec<&clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .flat_map(|s| std::iter::once(s).chain(every_subcommand(s)))
        .collect()
}

const FILES: &[(&str, &str)] = &[
    (
        "~/.config/onelogin-tui/config.toml",
        "Settings and one [profiles.<name>] section per tenant ($XDG_CONFIG_HOME, --config); \
         ./config.toml when there is none. Must be chmod 600 when it holds a secret.",
    ),
    (
        "~/.config/onelogin-tui/themes/",
        "Theme files for --theme (else ./themes).",
    ),
    (
        "~/.local/state/onelogin-tui/logs/",
        "Daily log files ($XDG_STATE_HOME, --log-dir); secrets never reach them.",
    ),
    (
        "~/.local/state/onelogin-tui/runs/",
        "One journal per bulk run, read by resume and undo.",
    ),
];

/// Where a rendered part goes: as it is, or inside a subcommand's `.SS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Section,
    Subsection,
}

fn part(
    man: &Man,
    render: fn(&Man, &mut dyn Write) -> std::io::Result<()>,
    level: Level,
) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    render(man, &mut text)?;
    Ok(without_preamble(&String::from_utf8_lossy(&text), level))
}

/// A part of the page without roff's preamble (written once, with the title). Inside a
/// subcommand, a `.SH` heading would end the COMMANDS section: the synopsis and the
/// description become paragraphs, any other heading (OPTIONS) a bold line.
fn without_preamble(text: &str, level: Level) -> Vec<u8> {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq") {
            continue;
        }
        match line.strip_prefix(".SH ") {
            Some(heading) if level == Level::Subsection => {
                out.push_str(".PP");
                if !matches!(heading, "SYNOPSIS" | "DESCRIPTION") {
                    out.push_str("\n.B ");
                    out.push_str(heading);
                }
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
#[path = "cli_docs_tests.rs"]
mod tests;
