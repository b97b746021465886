//! The lifecycle actions (`!`): lock, unlock, log out, state, MFA factors and delete, on
//! the selection or on the open user. Each becomes one bulk `Change` planned over its
//! users, so it goes through the preview, the typed confirmation, pacing, the journal and
//! undo like any bulk edit: a console write of this kind is never a bare call.

use crate::bulk::{Change, Factors};

/// What `!` offers, in the picker's order (the gravest last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Lock,
    Unlock,
    Logout,
    SetState,
    RemoveFactors,
    Delete,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::Lock,
        ActionKind::Unlock,
        ActionKind::Logout,
        ActionKind::SetState,
        ActionKind::RemoveFactors,
        ActionKind::Delete,
    ];

    /// The picker's line: what it does, and what an undo cannot bring back.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Lock => "lock… (for some minutes)",
            ActionKind::Unlock => "unlock",
            ActionKind::Logout => "log out: end every session (no undo)",
            ActionKind::SetState => "set state… (approved, rejected, unlicensed)",
            ActionKind::RemoveFactors => "remove every MFA factor (no undo)",
            ActionKind::Delete => "delete the user (no undo)",
        }
    }

    /// The change, when nothing more is asked; `None` for lock (minutes) and state.
    pub fn change(self) -> Option<Change> {
        match self {
            ActionKind::Unlock => Some(Change::Unlock),
            ActionKind::Logout => Some(Change::Logout),
            ActionKind::RemoveFactors => Some(Change::RemoveFactor {
                factors: Factors::All,
            }),
            ActionKind::Delete => Some(Change::Delete),
            ActionKind::Lock | ActionKind::SetState => None,
        }
    }
}

/// The users an action goes to, fixed when `!` is pressed (a selection changed later
/// does not move them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionTargets {
    pub ids: Vec<i64>,
    /// For the picker's title: "20 selected users", "Lucia Roberts (10002)".
    pub label: String,
}

/// Minutes typed for a lock: a whole number, empty for 0 (the account policy's time).
pub fn parse_minutes(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<u32>()
        .map_err(|_| format!("{t:?} is not a whole number of minutes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_whole_numbers_and_empty_means_the_policy() {
        assert_eq!(parse_minutes(""), Ok(0));
        assert_eq!(parse_minutes(" 45 "), Ok(45));
        assert!(parse_minutes("-5").is_err());
        assert!(parse_minutes("1.5").is_err());
        assert!(parse_minutes("soon").unwrap_err().contains("whole number"));
    }

    #[test]
    fn only_lock_and_state_ask_for_more() {
        for kind in ActionKind::ALL {
            let asks = matches!(kind, ActionKind::Lock | ActionKind::SetState);
            assert_eq!(kind.change().is_none(), asks, "{kind:?}");
        }
    }
}
