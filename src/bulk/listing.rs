//! A long listing of a search (the console's `L`, `export`): how many users it holds,
//! what it will cost, how far it has come.
//!
//! API /2 says how many users a search holds (`Total-Count`); /1 says nothing, so there
//! the size is read off the id range: the highest id the search matches, and the density
//! of ids in the pages listed so far (pages come in id order).

use std::time::Duration;

use crate::api::{ApiError, Client, MAX_LIMIT, RetryPolicy, SortOrder, UserQuery, V2UserQuery};

use super::pacing::Pacer;
use super::thousands;
use super::user_calls::paced;
use super::versions::Versions;

/// Users a list page holds.
const PAGE: u64 = MAX_LIMIT as u64;

/// What the server said about the size of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// `Total-Count` on /2: exact.
    Total(u64),
    /// The highest id the search matches on /1 (none: it matches nobody).
    LastId(Option<i64>),
}

/// The users listed so far, as far as the estimate needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Listed {
    pub count: usize,
    pub first_id: Option<i64>,
    pub last_id: Option<i64>,
}

impl Listed {
    /// A page's ids, in the order listed.
    pub fn add(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.count += 1;
            self.first_id.get_or_insert(id);
            self.last_id = Some(id);
        }
    }
}

impl Size {
    /// Users the search still holds beyond those listed.
    pub fn users_left(self, listed: Listed) -> u64 {
        match self {
            Size::Total(total) => total.saturating_sub(listed.count as u64),
            Size::LastId(None) => 0,
            Size::LastId(Some(max)) => match (listed.first_id, listed.last_id) {
                (Some(first), Some(last)) if max > last => {
                    // Users per id between the first and the last listed (one user: 1).
                    let density = if last > first {
                        (listed.count.saturating_sub(1) as f64 / (last - first) as f64).min(1.0)
                    } else {
                        1.0
                    };
                    ((max - last) as f64 * density).ceil() as u64
                }
                (Some(_), Some(_)) => 0,
                // Nothing listed yet: any id up to the last may be a user.
                _ => u64::try_from(max).unwrap_or(0),
            },
        }
    }

    /// List calls the rest takes: a page of 50 each, at least one.
    pub fn pages_left(self, listed: Listed) -> u64 {
        self.users_left(listed).div_ceil(PAGE).max(1)
    }

    /// How far the listing has come, 0..=1, when it can be told.
    pub fn ratio(self, listed: Listed) -> Option<f64> {
        let ratio = match self {
            Size::Total(0) | Size::LastId(None) => return None,
            Size::Total(total) => listed.count as f64 / total as f64,
            Size::LastId(Some(max)) => match (listed.first_id, listed.last_id) {
                (Some(first), Some(last)) if max > first => {
                    (last - first) as f64 / (max - first) as f64
                }
                _ => return None,
            },
        };
        Some(ratio.clamp(0.0, 1.0))
    }

    /// "12,350 of 100,000" when the total is known, else "12,350 users".
    pub fn progress_text(self, listed: Listed) -> String {
        match self {
            Size::Total(total) => {
                format!("{} of {}", thousands(listed.count as u64), thousands(total))
            }
            Size::LastId(_) => format!("{} users", thousands(listed.count as u64)),
        }
    }
}

/// What listing the rest of a search costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub size: Size,
    /// List calls.
    pub calls: u64,
    /// What is left of the rate budget this window, when known.
    pub left: Option<u32>,
    /// When the window refills, when known.
    pub resets_in: Option<Duration>,
    /// How long the listing takes, as the pacer sees it.
    pub eta: Duration,
}

impl Cost {
    /// The cost of listing the rest of `size` after `listed`, one page at a time.
    pub fn of(size: Size, listed: Listed, pacer: &Pacer) -> Cost {
        let calls = size.pages_left(listed);
        let left = pacer.left();
        Cost {
            size,
            calls,
            left: left.map(|b| b.remaining),
            resets_in: left.map(|b| b.reset),
            eta: pacer.eta(
                usize::try_from(calls).unwrap_or(usize::MAX),
                pacer.latency(),
                1,
            ),
        }
    }

    /// The share of what is left the listing spends, in whole percent (rounded); `None`
    /// when the budget is not known.
    pub fn percent(&self) -> Option<u64> {
        let left = u64::from(self.left?);
        Some(match left {
            0 => u64::MAX,
            _ => (self.calls * 100 + left / 2) / left,
        })
    }

    /// Worth a question first: more than a tenth of what is left, or more than one call
    /// when the budget is not known.
    pub fn worth_asking(&self) -> bool {
        match self.left {
            Some(left) => self.calls * 10 > u64::from(left),
            None => self.calls > 1,
        }
    }
}

/// How many users `query` (a /1 search) holds: `Total-Count` of its /2 equivalent (one
/// user asked for) where the search has one on /2 and the profile allows /2, else the
/// highest id it matches on /1 (one id asked for). A /2 that refuses or fails leaves
/// the /1 way. Each read is counted by `pacer` but not held back by its share: it is
/// what tells whether the rest is worth it.
pub async fn measure(
    client: &Client,
    pacer: Option<&Pacer>,
    policy: RetryPolicy,
    versions: &Versions,
    query: &UserQuery,
) -> Result<Size, ApiError> {
    if versions.use_v2()
        && let Some(v2) = V2UserQuery::from_v1(query)
    {
        let v2 = v2.fields(&["id"]).limit(1);
        match paced(pacer, policy, None, || client.list_users_v2(&v2, None)).await {
            Ok(page) => {
                if let Some(total) = page.total_count {
                    return Ok(Size::Total(total));
                }
            }
            Err(e) => {
                // A refusal sends the rest of the work to /1 too, and is logged.
                let _ = versions.refused(&e);
            }
        }
    }
    let last = query
        .clone()
        .sort(SortOrder::IdDesc)
        .limit(1)
        .fields(&["id"]);
    let page = paced(pacer, policy, None, || client.list_users_page(&last, None)).await?;
    Ok(Size::LastId(page.items.first().map(|u| u.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(ids: impl IntoIterator<Item = i64>) -> Listed {
        let mut l = Listed::default();
        l.add(ids);
        l
    }

    #[test]
    fn a_total_counts_exactly() {
        let l = listed(1..=12_350);
        let size = Size::Total(100_000);
        assert_eq!(size.users_left(l), 87_650);
        assert_eq!(size.pages_left(l), 1_753);
        assert_eq!(size.progress_text(l), "12,350 of 100,000");
        assert!((size.ratio(l).unwrap() - 0.1235).abs() < 1e-9);
        assert_eq!(Size::Total(0).ratio(l), None);
    }

    #[test]
    fn the_id_range_counts_by_the_density_of_the_listed_pages() {
        // Every other id is a user: 50 listed over ids 1..=99, the last id 1,099.
        let l = listed((1..=99).step_by(2));
        let size = Size::LastId(Some(1_099));
        assert_eq!(size.users_left(l), 500);
        assert_eq!(size.pages_left(l), 10);
        assert_eq!(size.progress_text(l), "50 users");
        // (99 − 1) / (1,099 − 1) of the id range.
        assert!((size.ratio(l).unwrap() - 98.0 / 1098.0).abs() < 1e-9);
        // Nothing listed yet: every id may be a user.
        assert_eq!(size.users_left(Listed::default()), 1_099);
        // Past the last id, or nobody: one page at most to say so.
        assert_eq!(Size::LastId(Some(50)).users_left(l), 0);
        assert_eq!(Size::LastId(None).pages_left(l), 1);
    }

    #[test]
    fn a_tenth_of_what_is_left_is_worth_a_question() {
        let cost = |calls, left| Cost {
            size: Size::Total(calls * 50),
            calls,
            left,
            resets_in: None,
            eta: Duration::ZERO,
        };
        assert_eq!(cost(2_000, Some(4_878)).percent(), Some(41));
        assert!(cost(2_000, Some(4_878)).worth_asking());
        assert!(
            !cost(10, Some(100)).worth_asking(),
            "10% is not more than 10%"
        );
        assert!(cost(11, Some(100)).worth_asking());
        assert_eq!(cost(1, Some(0)).percent(), Some(u64::MAX));
        assert!(cost(1, Some(0)).worth_asking());
        assert!(cost(2, None).worth_asking() && !cost(1, None).worth_asking());
    }
}
