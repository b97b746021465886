//! A protected tenant (`protected = true` in its profile): every write the console would
//! send waits until the profile's name is typed. The writes are held here, whole, so a
//! wrong name or Esc sends nothing and each held write is answered as not sent.

use super::action::Command;

#[derive(Debug, Default)]
pub struct Protect {
    /// The profile sets `protected = true`.
    pub on: bool,
    /// Writes waiting for the name.
    pub held: Vec<Command>,
    /// The name was typed for the commands of this update (the bulk confirmation takes the
    /// name with the count): they pass once.
    pub granted: bool,
}

/// What a held write would do, in the words of the question.
pub fn write_words(command: &Command) -> String {
    match command {
        Command::SetCustomAttributes { id, values } => {
            format!("{} custom attribute(s) of user {id}", values.len())
        }
        Command::UpdateUser { id, .. } | Command::UpdateUserV3 { id, .. } => {
            format!("user fields of user {id}")
        }
        Command::AddRoles { id, role_ids } => {
            format!("{} role(s) added to user {id}", role_ids.len())
        }
        Command::RemoveRoles { id, role_ids } => {
            format!("{} role(s) taken from user {id}", role_ids.len())
        }
        Command::RemoveFactor { id, name, .. } => {
            format!("removing the MFA factor {name} of user {id}")
        }
        Command::BulkStart(_) => "a bulk run".to_string(),
        Command::Resend { what, .. } => format!("{what} again"),
        _ => "a write".to_string(),
    }
}

/// The held writes in one line: "2 custom attribute(s) of user 7; user fields of user 7".
pub fn held_words(held: &[Command]) -> String {
    held.iter().map(write_words).collect::<Vec<_>>().join("; ")
}

/// The bulk confirmation's answer on this tenant: the count (and word) alone, or followed
/// by the profile's name when it is protected ("20 prod", "5 delete prod").
pub fn confirm_answer(answer: String, protect: &Protect, profile: &str) -> String {
    if protect.on {
        format!("{answer} {profile}")
    } else {
        answer
    }
}
