//! The `:` command line: verbs that mirror the CLI's subcommands, parsed and completed
//! here (pure), run by `update::palette`. History is kept for the session.

use crate::api::{LOCAL_SEARCH_FIELDS, USER_STATES, state_name};
use crate::bulk::{Change, parse_state};

use super::state::Screen;

/// One verb: its name, what it takes, what it does (for `?` and errors).
pub struct Verb {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

/// Every verb, in the order `?` lists them.
pub const VERBS: &[Verb] = &[
    Verb {
        name: "profile",
        args: "NAME",
        help: "switch to another profile's tenant (the others keep running)",
    },
    Verb {
        name: "search",
        args: "QUERY",
        help: "search the tenant (as `s`; empty: every user)",
    },
    Verb {
        name: "lock",
        args: "[MINUTES]",
        help: "lock the selection (0 or none: the policy's time)",
    },
    Verb {
        name: "unlock",
        args: "",
        help: "unlock the selection",
    },
    Verb {
        name: "logout",
        args: "",
        help: "end the selection's sessions (no undo)",
    },
    Verb {
        name: "set-state",
        args: "STATE",
        help: "approved, rejected, unapproved or unlicensed",
    },
    Verb {
        name: "remove-factors",
        args: "",
        help: "remove every MFA factor of the selection (no undo)",
    },
    Verb {
        name: "delete",
        args: "",
        help: "delete the selection (no undo)",
    },
    Verb {
        name: "columns",
        args: "[add|remove|set …]",
        help: "the list's columns (none: the chooser; also reset)",
    },
    Verb {
        name: "view",
        args: "[save|load] NAME",
        help: "save or open a view of the list (none: list them)",
    },
    Verb {
        name: "theme",
        args: "NAME",
        help: "switch the colours now (Tab lists the themes)",
    },
    Verb {
        name: "export",
        args: "FILE",
        help: "the users shown as CSV (`export!` replaces a file)",
    },
    Verb {
        name: "users",
        args: "",
        help: "the users screen",
    },
    Verb {
        name: "bulk",
        args: "",
        help: "the bulk screen",
    },
    Verb {
        name: "log",
        args: "",
        help: "the request log",
    },
    Verb {
        name: "events",
        args: "",
        help: "the events screen",
    },
    Verb {
        name: "help",
        args: "",
        help: "the keys and these verbs",
    },
    Verb {
        name: "quit",
        args: "",
        help: "quit (asks while work is in flight)",
    },
];

/// What a line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// Switch to the tenant of this profile.
    Profile(String),
    Search(String),
    /// A lifecycle change on the selection (or the user under the cursor), previewed.
    Act(Change),
    Screen(Screen),
    Help,
    Quit,
    Columns(ColumnsOrder),
    View(ViewOrder),
    Theme(String),
    /// The users shown, as CSV, to a file; `overwrite`: `export!`.
    Export {
        path: String,
        overwrite: bool,
    },
}

/// `:columns …`: the names as typed (checked against the tenant by `update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnsOrder {
    /// The chooser.
    Choose,
    Add(Vec<String>),
    Remove(Vec<String>),
    Set(Vec<String>),
    /// Back to the settings' columns.
    Reset,
}

/// `:view …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewOrder {
    List,
    Save(String),
    Load(String),
}

/// `a,b c` → [a, b, c].
fn names(rest: &str) -> Vec<String> {
    rest.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn columns_order(rest: &str) -> Result<Order, String> {
    let (sub, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let list = names(args);
    let needs = |order: fn(Vec<String>) -> ColumnsOrder| {
        if list.is_empty() {
            Err(format!(
                "`columns {sub}` needs column names (Tab lists them)"
            ))
        } else {
            Ok(Order::Columns(order(list.clone())))
        }
    };
    match sub {
        "" => Ok(Order::Columns(ColumnsOrder::Choose)),
        "add" => needs(ColumnsOrder::Add),
        "remove" | "rm" => needs(ColumnsOrder::Remove),
        "set" => needs(ColumnsOrder::Set),
        "reset" if list.is_empty() => Ok(Order::Columns(ColumnsOrder::Reset)),
        "reset" => Err("`columns reset` takes nothing after it".into()),
        other => Err(format!(
            "`columns {other}`: add, remove, set or reset (none opens the chooser)"
        )),
    }
}

fn view_order(rest: &str) -> Result<Order, String> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let order = match words[..] {
        [] | ["list"] => ViewOrder::List,
        ["save"] | ["load"] => return Err(format!("`view {}` needs a name", words[0])),
        ["save", name] => ViewOrder::Save(name.to_string()),
        ["load", name] | [name] => ViewOrder::Load(name.to_string()),
        _ => return Err("`view save NAME`, `view load NAME` (or `view NAME`), `view`".into()),
    };
    Ok(Order::View(order))
}

/// Reads a line; an error says what is wrong in words and names what would be right.
pub fn parse(line: &str) -> Result<Order, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let none = |order: Order| {
        if rest.is_empty() {
            Ok(order)
        } else {
            Err(format!("`{verb}` takes nothing after it (got `{rest}`)"))
        }
    };
    match verb {
        "" => Err("type a verb: Tab lists them".into()),
        "profile" if rest.is_empty() => Err("profile needs a name: Tab lists them".into()),
        "profile" => Ok(Order::Profile(rest.to_string())),
        "search" => Ok(Order::Search(rest.to_string())),
        "lock" => match rest {
            "" => Ok(Order::Act(Change::Lock { minutes: 0 })),
            n => n
                .parse()
                .map(|minutes| Order::Act(Change::Lock { minutes }))
                .map_err(|_| format!("`{n}` is not a whole number of minutes")),
        },
        "unlock" => none(Order::Act(Change::Unlock)),
        "logout" => none(Order::Act(Change::Logout)),
        "set-state" if rest.is_empty() => Err(format!("set-state needs a state: {}", states())),
        "set-state" => parse_state(rest).map(|state| Order::Act(Change::SetState { state })),
        "remove-factors" => none(Order::Act(Change::RemoveFactor {
            factors: crate::bulk::Factors::All,
        })),
        "delete" => none(Order::Act(Change::Delete)),
        "users" => none(Order::Screen(Screen::Users)),
        "bulk" => none(Order::Screen(Screen::Bulk)),
        "log" => none(Order::Screen(Screen::RequestLog)),
        "events" => none(Order::Screen(Screen::Events)),
        "help" => none(Order::Help),
        "quit" | "q" => none(Order::Quit),
        "columns" => columns_order(rest),
        "view" => view_order(rest),
        "theme" if rest.is_empty() => Err("theme needs a name (Tab lists them)".into()),
        "theme" => Ok(Order::Theme(rest.to_string())),
        "export" | "export!" if rest.is_empty() => {
            Err("export needs a file name: `export users.csv`".into())
        }
        "export" | "export!" => Ok(Order::Export {
            path: rest.to_string(),
            overwrite: verb == "export!",
        }),
        other => Err(format!("no verb `{other}`: {}", verb_names().join(", "))),
    }
}

fn verb_names() -> Vec<&'static str> {
    VERBS.iter().map(|v| v.name).collect()
}

fn states() -> String {
    USER_STATES
        .map(state_name)
        .collect::<Vec<_>>()
        .join(", ")
        .to_lowercase()
}

/// What Tab makes of a line: the line completed as far as every candidate agrees, and the
/// candidates when more than one is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub options: Vec<String>,
}

/// What arguments complete to, from the state: the tenant's attributes, the columns
/// shown, the saved views, the themes.
#[derive(Debug, Clone, Default)]
pub struct Words {
    /// The profiles `:profile` offers.
    pub profiles: Vec<String>,
    /// Every column on offer, as written (`email`, `custom_attributes.cost_center`).
    pub columns: Vec<String>,
    /// The columns shown, as written.
    pub shown: Vec<String>,
    pub views: Vec<String>,
    pub themes: Vec<String>,
}

/// Completes the verb, or its argument: the profiles of `profile`, the states of `set-state`, the fields of `search`
/// (matched in the console, as `field:`), column names, view names, theme names.
pub fn complete(line: &str, words: &Words) -> Completion {
    let (verb, arg) = match line.split_once(' ') {
        None => {
            return completed(
                "",
                line,
                verb_names().iter().map(|n| format!("{n} ")).collect(),
            );
        }
        Some((v, a)) => (v, a),
    };
    let options: Vec<String> = match verb {
        "columns" => return complete_columns(arg, words),
        "view" => {
            let (sub, name) = arg.split_once(' ').unwrap_or(("", arg));
            return match sub {
                "save" | "load" => completed(&format!("view {sub} "), name, words.views.clone()),
                _ => {
                    let mut options: Vec<String> =
                        ["save ", "load "].iter().map(|s| s.to_string()).collect();
                    options.extend(words.views.iter().cloned());
                    completed("view ", arg, options)
                }
            };
        }
        "theme" => words.themes.clone(),
        "set-state" => USER_STATES.map(|s| state_name(s).to_lowercase()).collect(),
        "profile" => words.profiles.clone(),
        "search" => {
            // The last word of the query is what is being typed.
            let (before, word) = arg.rsplit_once(' ').map_or(("", arg), |(b, w)| (b, w));
            let head = if before.is_empty() {
                format!("{verb} ")
            } else {
                format!("{verb} {before} ")
            };
            let fields = LOCAL_SEARCH_FIELDS
                .iter()
                .map(|f| format!("{f}:"))
                .collect();
            return completed(&head, word, fields);
        }
        _ => Vec::new(),
    };
    completed(&format!("{verb} "), arg, options)
}

/// `columns add|remove|set` complete the last name of their list; `columns ` the words.
fn complete_columns(arg: &str, words: &Words) -> Completion {
    let Some((sub, list)) = arg.split_once(' ') else {
        let subs = ["add ", "remove ", "set ", "reset"];
        return completed(
            "columns ",
            arg,
            subs.iter().map(|s| s.to_string()).collect(),
        );
    };
    let cut = list.rfind([',', ' ']).map_or(0, |i| i + 1);
    let (before, typed) = list.split_at(cut);
    let head = format!("columns {sub} {before}");
    let options = match sub {
        "remove" | "rm" => words.shown.clone(),
        "add" => words
            .columns
            .iter()
            .filter(|c| !words.shown.contains(c))
            .cloned()
            .collect(),
        "set" => words.columns.clone(),
        _ => Vec::new(),
    };
    completed(&head, typed, options)
}

/// `head` + the longest extension of `typed` every option starting with it shares.
fn completed(head: &str, typed: &str, options: Vec<String>) -> Completion {
    let matching: Vec<String> = options
        .into_iter()
        .filter(|o| o.starts_with(typed))
        .collect();
    let shared = match matching.split_first() {
        None => typed.to_string(),
        Some((first, rest)) => rest.iter().fold(first.clone(), |acc, o| {
            acc.chars()
                .zip(o.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        }),
    };
    let options = if matching.len() > 1 {
        matching
    } else {
        Vec::new()
    };
    Completion {
        line: format!("{head}{shared}"),
        options: options
            .into_iter()
            .map(|o| o.trim_end().to_string())
            .collect(),
    }
}

/// The lines run this session, oldest first, and where ↑/↓ stand among them.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    history: Vec<String>,
    /// Index into `history` while recalling; `None`: a new line.
    at: Option<usize>,
    /// Candidates of the last Tab (shown above the line).
    pub options: Vec<String>,
}

impl Palette {
    /// A line was run: it joins the history (not twice in a row).
    pub fn ran(&mut self, line: &str) {
        let line = line.trim();
        if !line.is_empty() && self.history.last().map(String::as_str) != Some(line) {
            self.history.push(line.to_string());
        }
        self.at = None;
        self.options.clear();
    }

    /// ↑: the line before (the newest first); `None` at the oldest.
    pub fn older(&mut self) -> Option<&str> {
        let i = match self.at {
            None => self.history.len().checked_sub(1)?,
            Some(i) => i.checked_sub(1)?,
        };
        self.at = Some(i);
        self.history.get(i).map(String::as_str)
    }

    /// ↓: the line after; an empty line past the newest.
    pub fn newer(&mut self) -> &str {
        match self.at {
            Some(i) if i + 1 < self.history.len() => {
                self.at = Some(i + 1);
                self.history.get(i + 1).map_or("", String::as_str)
            }
            _ => {
                self.at = None;
                ""
            }
        }
    }

    /// The palette opened afresh.
    pub fn opened(&mut self) {
        self.at = None;
        self.options.clear();
    }
}

#[cfg(test)]
#[path = "palette_tests.rs"]
mod tests;
