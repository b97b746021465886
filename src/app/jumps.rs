//! Where the user has been: screens and opened users, for `[` (back), `]` (forward) and
//! `-` (the last two, like `cd -`).

use super::state::Screen;

/// How many places are kept.
const KEEP: usize = 50;

/// A screen, and on the user view the user it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub screen: Screen,
    pub user: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Jumps {
    places: Vec<Place>,
    /// The index of the place shown, among `places`.
    at: usize,
    /// The place shown before this one, by time (not by history order): `-` goes there.
    last: Option<Place>,
}

impl Jumps {
    /// The user is now at `place` by their own move: places ahead of the current one are
    /// dropped (as a browser does), the same place twice is kept once.
    pub fn visit(&mut self, place: Place) {
        if self.places.get(self.at) == Some(&place) {
            return;
        }
        self.last = self.places.get(self.at).copied();
        self.places.truncate(self.at + 1);
        self.places.push(place);
        if self.places.len() > KEEP {
            self.places.remove(0);
        }
        self.at = self.places.len() - 1;
    }

    /// `[`: the place before, if any (the position moves only once it is reached).
    pub fn back(&self) -> Option<(usize, Place)> {
        let i = self.at.checked_sub(1)?;
        self.places.get(i).map(|p| (i, *p))
    }

    /// `]`: the place after, if any.
    pub fn forward(&self) -> Option<(usize, Place)> {
        self.places.get(self.at + 1).map(|p| (self.at + 1, *p))
    }

    /// The jump to place `i` happened.
    pub fn moved_to(&mut self, i: usize) {
        if i < self.places.len() && i != self.at {
            self.last = self.places.get(self.at).copied();
            self.at = i;
        }
    }

    /// `-`: the place shown before this one, to be visited anew, so that `-` again comes
    /// back here.
    pub fn toggle(&self) -> Option<Place> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(s: Screen) -> Place {
        Place {
            screen: s,
            user: None,
        }
    }

    fn user(id: i64) -> Place {
        Place {
            screen: Screen::Editor,
            user: Some(id),
        }
    }

    #[test]
    fn back_forward_and_a_new_visit_drops_what_was_ahead() {
        let mut j = Jumps::default();
        for p in [screen(Screen::Users), user(7), screen(Screen::RequestLog)] {
            j.visit(p);
        }
        let (i, p) = j.back().unwrap();
        assert_eq!(p, user(7));
        j.moved_to(i);
        assert_eq!(
            j.forward().map(|(_, p)| p),
            Some(screen(Screen::RequestLog))
        );
        j.visit(screen(Screen::Events));
        assert_eq!(j.forward(), None, "the log was ahead: dropped");
        assert_eq!(j.back().map(|(_, p)| p), Some(user(7)));
    }

    #[test]
    fn toggling_goes_between_the_last_two() {
        let mut j = Jumps::default();
        j.visit(screen(Screen::Users));
        j.visit(user(7));
        let p = j.toggle().unwrap();
        assert_eq!(p, screen(Screen::Users));
        j.visit(p);
        assert_eq!(j.toggle(), Some(user(7)));
        j.visit(user(7));
        j.visit(user(7));
        assert_eq!(j.places.len(), 4, "the same place twice is kept once");
    }

    #[test]
    fn it_keeps_a_bounded_number_of_places() {
        let mut j = Jumps::default();
        for id in 0..(KEEP as i64 + 20) {
            j.visit(user(id));
        }
        assert_eq!(j.places.len(), KEEP);
        assert_eq!(j.back().map(|(_, p)| p), Some(user(KEEP as i64 + 18)));
    }
}
