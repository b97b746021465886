//! The bulk screen's flow as one state machine: editing changes → planning → preview →
//! confirming → the run; past runs and a run's journal beside it. Each step carries its own
//! data, so a preview without a plan or a confirmation without a target cannot be written
//! down, and every transition checks the step it leaves.
//!
//! The run itself lives beside the flow: it goes on while the flow shows past runs or new
//! changes, and there is one at a time.

use std::path::PathBuf;
use std::time::Duration;

use crate::bulk::{
    BulkError, Change, PlanKind, Preview, ProgressStats, RunInfo, RunReport, UserOutcome, Work,
};

use super::action::Generation;
use super::actions::ActionTargets;
use super::bulk_rows::JournalView;
use super::keymap::Context;
use super::list::ListState;

/// Where the bulk screen is.
#[derive(Debug, Default)]
pub enum BulkFlow {
    /// The list of changes being built.
    #[default]
    Editing,
    /// The worker reads the users and plans.
    Planning(PlanFor),
    /// Each user's before → after, and the totals.
    Preview(Box<PreviewView>),
    /// Waiting for the number of users to be typed (the text is the input on the modal
    /// stack).
    Confirming(Box<Confirming>),
    /// The run on screen.
    Watching,
    /// The journal folder.
    PastRuns,
    /// One run's journal; `None` while it is read.
    Journal(Option<Box<JournalView>>),
}

/// What a plan is being made for: where a failed plan goes back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanFor {
    Changes,
    Undo {
        run: String,
    },
    /// A lifecycle action (`!`) on these users; a failed plan goes back to the changes.
    Action {
        ids: Vec<i64>,
        change: Change,
    },
}

/// A preview on screen.
#[derive(Debug)]
pub struct PreviewView {
    pub preview: Preview,
    /// What it was planned for: `p` plans the same again.
    pub of: PlanFor,
    /// Users targeted (the selection, or the run undone).
    pub targets: usize,
    pub list: ListState,
    /// Worded once from the plan (it does not change): every frame and key reads them.
    heading: Option<String>,
    cannot_undo: Option<String>,
}

impl PreviewView {
    pub fn new(preview: Preview, of: PlanFor, targets: usize) -> PreviewView {
        let heading = heading_of(&preview, &of);
        let cannot_undo = cannot_undo_of(&preview);
        PreviewView {
            preview,
            of,
            targets,
            list: ListState::default(),
            heading,
            cannot_undo,
        }
    }

    /// Users changed, then (for an undo) users left alone and users not restored.
    pub fn rows(&self) -> usize {
        self.preview.plan.users.len() + self.conflicts().len() + self.not_restored().len()
    }

    /// An undo's users with something it cannot restore (a logout, a deleted user, a lock
    /// it will not lift), and why.
    pub fn not_restored(&self) -> &[crate::bulk::Conflict] {
        match &self.preview.kind {
            PlanKind::Undo { cannot_undo, .. } => &cannot_undo.users,
            PlanKind::Apply => &[],
        }
    }

    /// The line above the totals that says what this preview is of, when it is not the
    /// changes on this screen: an undo's run, or a `!` action.
    pub fn heading(&self) -> Option<&str> {
        self.heading.as_deref()
    }

    /// What the run would do that no undo brings back, in words ("cannot be undone: 3
    /// deletes"); for an undo, what it cannot restore.
    pub fn cannot_undo(&self) -> Option<&str> {
        self.cannot_undo.as_deref()
    }

    pub fn conflicts(&self) -> &[crate::bulk::Conflict] {
        match &self.preview.kind {
            PlanKind::Undo { conflicts, .. } => conflicts,
            PlanKind::Apply => &[],
        }
    }
}

fn heading_of(preview: &Preview, of: &PlanFor) -> Option<String> {
    match (&preview.kind, of) {
        (PlanKind::Undo { of, .. }, _) => Some(format!(
            "Undo of run {of}: each user back to the value before the run"
        )),
        (PlanKind::Apply, PlanFor::Action { change, ids }) => {
            Some(format!("Action: {change} · {} user(s)", ids.len()))
        }
        (PlanKind::Apply, _) => None,
    }
}

fn cannot_undo_of(preview: &Preview) -> Option<String> {
    match &preview.kind {
        PlanKind::Apply => preview.plan.irreversible_text(),
        PlanKind::Undo { cannot_undo, .. } => {
            let listed = (!cannot_undo.users.is_empty()).then(|| {
                format!(
                    "{} user(s) not (wholly) restored, listed below",
                    cannot_undo.users.len()
                )
            });
            match (cannot_undo.summary(), listed) {
                (Some(s), Some(l)) => Some(format!("{s} · {l}")),
                (s, l) => s.or(l),
            }
        }
    }
}

/// What the typed number confirms.
#[derive(Debug)]
pub enum Confirming {
    /// The previewed plan (an apply or an undo).
    Plan(Box<PreviewView>),
    /// An unfinished run, picked up again; Esc goes back to `from`.
    Resume {
        path: PathBuf,
        run: String,
        users: usize,
        from: ResumeFrom,
    },
}

/// Where a resume was asked from.
#[derive(Debug)]
pub enum ResumeFrom {
    PastRuns,
    Journal(Box<JournalView>),
}

impl Confirming {
    /// The number of users it confirms.
    pub fn users(&self) -> usize {
        match self {
            Confirming::Plan(p) => p.preview.plan.users.len(),
            Confirming::Resume { users, .. } => *users,
        }
    }

    /// What to type: the number, and a word after it when the plan does what no undo
    /// brings back ("20 delete"). A resume was confirmed so when it started.
    pub fn answer(&self) -> String {
        match self {
            Confirming::Plan(p) => p.preview.plan.confirm_answer(),
            Confirming::Resume { users, .. } => users.to_string(),
        }
    }
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunPhase {
    Starting,
    Running,
    Paused,
    Cancelling,
    /// Its end, or why it did not start.
    Finished(Result<RunReport, BulkError>),
}

/// A user the run could not change.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    pub id: i64,
    pub label: String,
    pub message: String,
}

/// The run waits for the rate budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub wait: Duration,
    pub reason: String,
}

/// A run started from this console, as its progress reports it (the worker holds its handle).
#[derive(Debug)]
pub struct RunView {
    /// Known once the run reports it started.
    pub run: Option<String>,
    pub title: String,
    pub users: usize,
    pub calls: usize,
    pub stats: ProgressStats,
    pub phase: RunPhase,
    pub failures: Vec<RunFailure>,
    pub waiting: Option<Waiting>,
    /// The failures list's window.
    pub list: ListState,
}

impl RunView {
    pub fn new(title: String, users: usize, calls: usize) -> RunView {
        RunView {
            run: None,
            title,
            users,
            calls,
            stats: ProgressStats {
                users,
                remaining: users,
                ..ProgressStats::default()
            },
            phase: RunPhase::Starting,
            failures: Vec::new(),
            waiting: None,
            list: ListState::default(),
        }
    }

    pub fn going(&self) -> bool {
        !matches!(self.phase, RunPhase::Finished(_))
    }

    /// Pause, cancel and concurrency apply.
    pub fn steerable(&self) -> bool {
        matches!(
            self.phase,
            RunPhase::Starting | RunPhase::Running | RunPhase::Paused
        )
    }

    pub fn failed(&mut self, id: i64, label: String, outcome: &UserOutcome) {
        if let UserOutcome::Failed { message, .. } = outcome {
            self.failures.push(RunFailure {
                id,
                label,
                message: message.clone(),
            });
        }
    }
}

/// The journal folder as last listed.
#[derive(Debug, Default)]
pub struct PastRuns {
    pub rows: Vec<RunInfo>,
    pub list: ListState,
    pub loading: bool,
}

#[derive(Debug, Default)]
pub struct BulkState {
    /// The changes being built; they outlive a preview and a run.
    pub changes: Vec<Change>,
    pub changes_list: ListState,
    pub flow: BulkFlow,
    /// The run started from this console: going, or the last one.
    pub run: Option<RunView>,
    pub runs: PastRuns,
    /// Drops a plan's late answer once the user moved on.
    pub generation: Generation,
    /// The first listing (at start) looks for an unfinished run to offer.
    pub offered_resume: bool,
    /// The users of the action being picked (`!`), until it is planned or dropped.
    pub action: Option<ActionTargets>,
}

/// Why a transition did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// One run at a time.
    RunGoing,
    /// There is nothing to confirm.
    NothingToChange,
    /// The flow is not at the step this needs.
    NotHere,
}

impl BulkFlow {
    /// The key table of this step.
    pub fn context(&self) -> Context {
        match self {
            BulkFlow::Watching => Context::BulkRun,
            BulkFlow::PastRuns | BulkFlow::Journal(_) => Context::BulkRuns,
            BulkFlow::Confirming(c) if matches!(**c, Confirming::Resume { .. }) => {
                Context::BulkRuns
            }
            _ => Context::Bulk,
        }
    }

    /// The step's place in the head line: changes, preview, run, past runs.
    pub fn step(&self) -> usize {
        match self {
            BulkFlow::Editing => 0,
            BulkFlow::Planning(_) | BulkFlow::Preview(_) => 1,
            BulkFlow::Confirming(c) => match **c {
                Confirming::Plan(_) => 1,
                Confirming::Resume { .. } => 3,
            },
            BulkFlow::Watching => 2,
            BulkFlow::PastRuns | BulkFlow::Journal(_) => 3,
        }
    }

    /// The preview on screen (also under its confirmation).
    pub fn preview(&self) -> Option<&PreviewView> {
        match self {
            BulkFlow::Preview(p) => Some(p),
            BulkFlow::Confirming(c) => match &**c {
                Confirming::Plan(p) => Some(p),
                Confirming::Resume { .. } => None,
            },
            _ => None,
        }
    }

    /// Whether the preview (or the plan being made) is a `!` action's.
    pub fn previewing_action(&self) -> bool {
        match self {
            BulkFlow::Planning(of) => matches!(of, PlanFor::Action { .. }),
            _ => self
                .preview()
                .is_some_and(|p| matches!(p.of, PlanFor::Action { .. })),
        }
    }

    /// Whether the preview (or the plan being made) is an undo's.
    pub fn previewing_undo(&self) -> bool {
        match self {
            BulkFlow::Planning(PlanFor::Undo { .. }) => true,
            _ => self
                .preview()
                .is_some_and(|p| matches!(p.preview.kind, PlanKind::Undo { .. })),
        }
    }
}

impl BulkState {
    /// A run is going (started and not finished): quitting asks, a second run waits.
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(RunView::going)
    }

    /// → Planning, from the changes or a preview of them (`Changes`), or from past runs or a
    /// journal (`Undo`). Returns the plan's generation.
    pub fn plan(&mut self, of: PlanFor) -> Result<Generation, Refused> {
        let allowed = match (&of, &self.flow) {
            (PlanFor::Changes, BulkFlow::Editing | BulkFlow::Preview(_)) => {
                !self.flow.previewing_undo()
            }
            (PlanFor::Undo { .. }, BulkFlow::PastRuns | BulkFlow::Journal(_)) => true,
            // An action comes from the users: anywhere but a plan or a confirmation.
            (PlanFor::Action { .. }, BulkFlow::Planning(_) | BulkFlow::Confirming(_)) => false,
            (PlanFor::Action { .. }, _) => true,
            _ => false,
        };
        if !allowed {
            return Err(Refused::NotHere);
        }
        if self.running() {
            return Err(Refused::RunGoing);
        }
        self.generation += 1;
        self.flow = BulkFlow::Planning(of);
        Ok(self.generation)
    }

    /// Planning → Preview with the plan, or back where it was asked from with the error.
    /// A late answer (another generation, or the user moved on) is dropped: `None`.
    pub fn planned(
        &mut self,
        generation: Generation,
        result: Result<Preview, BulkError>,
        selected: usize,
    ) -> Option<Result<(), BulkError>> {
        let BulkFlow::Planning(of) = &self.flow else {
            return None;
        };
        if generation != self.generation {
            return None;
        }
        let back = match of {
            PlanFor::Changes | PlanFor::Action { .. } => BulkFlow::Editing,
            PlanFor::Undo { .. } => BulkFlow::PastRuns,
        };
        Some(match result {
            Ok(preview) => {
                let targets = match (&preview.kind, of) {
                    (PlanKind::Undo { conflicts, .. }, _) => {
                        preview.plan.users.len() + conflicts.len()
                    }
                    (PlanKind::Apply, PlanFor::Action { ids, .. }) => ids.len(),
                    (PlanKind::Apply, _) => selected,
                };
                let of = of.clone();
                self.flow = BulkFlow::Preview(Box::new(PreviewView::new(preview, of, targets)));
                Ok(())
            }
            Err(e) => {
                self.flow = back;
                Err(e)
            }
        })
    }

    /// Preview → Confirming: returns the number of users to type.
    pub fn confirm_plan(&mut self) -> Result<usize, Refused> {
        if self.running() {
            return Err(Refused::RunGoing);
        }
        match std::mem::take(&mut self.flow) {
            BulkFlow::Preview(p) if p.preview.plan.is_empty() => {
                self.flow = BulkFlow::Preview(p);
                Err(Refused::NothingToChange)
            }
            BulkFlow::Preview(p) => {
                let users = p.preview.plan.users.len();
                self.flow = BulkFlow::Confirming(Box::new(Confirming::Plan(p)));
                Ok(users)
            }
            other => {
                self.flow = other;
                Err(Refused::NotHere)
            }
        }
    }

    /// Past runs or a journal → Confirming the resume of `row`: returns the number to type.
    pub fn confirm_resume(&mut self, row: &RunInfo) -> Result<usize, Refused> {
        if self.running() {
            return Err(Refused::RunGoing);
        }
        let from = match std::mem::take(&mut self.flow) {
            BulkFlow::PastRuns => ResumeFrom::PastRuns,
            BulkFlow::Journal(Some(journal)) => ResumeFrom::Journal(journal),
            other => {
                self.flow = other;
                return Err(Refused::NotHere);
            }
        };
        let users = row.users.saturating_sub(row.done);
        self.flow = BulkFlow::Confirming(Box::new(Confirming::Resume {
            path: row.path.clone(),
            run: row.run.clone(),
            users,
            from,
        }));
        Ok(users)
    }

    /// Confirming → back where it was asked from (Esc).
    pub fn cancel_confirm(&mut self) {
        self.flow = match std::mem::take(&mut self.flow) {
            BulkFlow::Confirming(c) => match *c {
                Confirming::Plan(p) => BulkFlow::Preview(p),
                Confirming::Resume {
                    from: ResumeFrom::PastRuns,
                    ..
                } => BulkFlow::PastRuns,
                Confirming::Resume {
                    from: ResumeFrom::Journal(j),
                    ..
                } => BulkFlow::Journal(Some(j)),
            },
            other => other,
        };
    }

    /// Confirming → Watching, the number typed: the work to start. The run on screen is new.
    pub fn confirmed(&mut self) -> Result<Work, Refused> {
        if self.running() {
            return Err(Refused::RunGoing);
        }
        let (work, view) = match std::mem::take(&mut self.flow) {
            BulkFlow::Confirming(c) => match *c {
                Confirming::Plan(p) => {
                    let preview = p.preview;
                    let title = match (&preview.kind, &p.of) {
                        (PlanKind::Undo { of, .. }, _) => format!("undo of {of}"),
                        (PlanKind::Apply, PlanFor::Action { change, .. }) => change.to_string(),
                        (PlanKind::Apply, _) => "apply".to_string(),
                    };
                    let view = RunView::new(title, preview.plan.users.len(), preview.plan.calls());
                    (Work::Plan(Box::new(preview)), view)
                }
                Confirming::Resume {
                    path, run, users, ..
                } => (
                    Work::Resume(path),
                    RunView::new(format!("resume of {run}"), users, 0),
                ),
            },
            other => {
                self.flow = other;
                return Err(Refused::NotHere);
            }
        };
        self.run = Some(view);
        self.flow = BulkFlow::Watching;
        Ok(work)
    }

    /// The run ended (or did not start): its view keeps the end.
    pub fn finished(&mut self, result: Result<RunReport, BulkError>) {
        let run = self
            .run
            .get_or_insert_with(|| RunView::new("run".into(), 0, 0));
        run.phase = RunPhase::Finished(result);
        run.waiting = None;
    }

    /// → the journal folder (from any step but a confirmation or a plan being made).
    pub fn open_past_runs(&mut self) -> Result<(), Refused> {
        match self.flow {
            BulkFlow::Confirming(_) => Err(Refused::NotHere),
            _ => {
                self.flow = BulkFlow::PastRuns;
                self.runs.loading = true;
                Ok(())
            }
        }
    }

    /// The journal being read arrived (dropped if the user moved on).
    pub fn journal_read(&mut self, view: JournalView) {
        if matches!(self.flow, BulkFlow::Journal(None)) {
            self.flow = BulkFlow::Journal(Some(Box::new(view)));
        }
    }

    /// The journal could not be read: back to the list.
    pub fn journal_failed(&mut self) {
        if matches!(self.flow, BulkFlow::Journal(None)) {
            self.flow = BulkFlow::PastRuns;
        }
    }

    /// Past runs → the journal of the run under the cursor (read by the worker).
    pub fn open_journal(&mut self) -> Option<PathBuf> {
        if !matches!(self.flow, BulkFlow::PastRuns) {
            return None;
        }
        let row = self.runs.rows.get(self.runs.list.cursor())?;
        self.flow = BulkFlow::Journal(None);
        Some(row.path.clone())
    }

    /// One level back (Esc / q); false when already at the changes, or when the run on
    /// screen goes on (leaving the screen leaves it running).
    pub fn back(&mut self) -> bool {
        let next = match &self.flow {
            BulkFlow::Editing => return false,
            BulkFlow::Watching if self.running() => return false,
            BulkFlow::Watching => {
                self.run = None;
                BulkFlow::Editing
            }
            // The confirmation's input is closed through the modal stack, not here.
            BulkFlow::Confirming(_) => return false,
            // An undo's plan goes back to the runs it came from, a preview of changes to them.
            BulkFlow::Planning(_) | BulkFlow::Preview(_) if self.flow.previewing_undo() => {
                BulkFlow::PastRuns
            }
            BulkFlow::Planning(_) | BulkFlow::Preview(_) => BulkFlow::Editing,
            BulkFlow::Journal(_) => BulkFlow::PastRuns,
            BulkFlow::PastRuns if self.running() => BulkFlow::Watching,
            BulkFlow::PastRuns => BulkFlow::Editing,
        };
        self.flow = next;
        true
    }

    /// Adds a change; an earlier change of the same value is replaced (the last would win).
    /// `rows`: how many changes the list shows.
    pub fn push_change(&mut self, change: Change, rows: usize) {
        let same_target = |a: &Change, b: &Change| match (a, b) {
            (
                Change::SetAttribute { name: x, .. } | Change::ClearAttribute { name: x },
                Change::SetAttribute { name: y, .. } | Change::ClearAttribute { name: y },
            ) => x == y,
            (Change::SetField { name: x, .. }, Change::SetField { name: y, .. }) => x == y,
            (
                Change::AddRoles { ids: x } | Change::RemoveRoles { ids: x },
                Change::AddRoles { ids: y } | Change::RemoveRoles { ids: y },
            ) => x.iter().any(|id| y.contains(id)),
            _ => false,
        };
        self.changes.retain(|c| !same_target(c, &change));
        self.changes.push(change);
        let last = self.changes.len() - 1;
        self.changes_list.select(last, self.changes.len(), rows);
        self.stale_preview();
    }

    /// Removes the change under the cursor.
    pub fn remove_change(&mut self, rows: usize) {
        let i = self.changes_list.cursor();
        if i < self.changes.len() {
            self.changes.remove(i);
            self.changes_list.clamp(self.changes.len(), rows);
            self.stale_preview();
        }
    }

    /// A preview of other changes is no longer what would be applied.
    fn stale_preview(&mut self) {
        if matches!(self.flow, BulkFlow::Preview(_)) && !self.flow.previewing_undo() {
            self.flow = BulkFlow::Editing;
        }
    }
}

#[cfg(test)]
#[path = "bulk_flow_tests.rs"]
mod tests;
