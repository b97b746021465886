//! The same changes for every user a search finds, or every user a file names (a CSV's
//! key column, or a list of ids): how the headless lifecycle verbs plan. Like every plan,
//! the users' current values are read fresh and users already there are unchanged.

use std::collections::HashMap;
use std::time::Instant;

use super::csv_in::{CsvInput, Refusal, Refusals, ResolveError};
use super::plan::{Change, Desired, Needs, Plan, Target, fetch_current, fields_for};
use super::plan_reads::{PrepareError, check_versions, read_devices, search_targets};
use super::service::{BulkError, BulkService, PlanKind, Preview, ReadWhat};
use crate::api::{ApiError, MfaDevice, Search, User};

fn read_users(error: ApiError) -> BulkError {
    BulkError::Read {
        what: ReadWhat::Users,
        error,
    }
}

fn needs_v2(e: PrepareError) -> BulkError {
    match e {
        PrepareError::NeedsV2(why) => BulkError::Invalid(why),
        PrepareError::Unknown(u) => BulkError::Unknown(u),
        PrepareError::Api(error) => read_users(error),
    }
}

impl BulkService {
    /// `changes` for every user `search` finds (its server terms go to the API, the rest
    /// are matched over what it lists, as the console's search does). The listing, with
    /// the fields the changes need, is the users' current values; MFA devices are read
    /// for each when factors are removed.
    pub async fn plan_search(
        &self,
        search: &Search,
        changes: &[Change],
    ) -> Result<Preview, BulkError> {
        let desired = Desired::from_changes(changes).map_err(BulkError::Invalid)?;
        check_versions([&desired], self.versions()).map_err(needs_v2)?;
        let pacer = self.pacer();
        let t0 = Instant::now();
        let calls0 = self.client().calls_made();
        let fallback0 = self.versions().fallback();
        let users = search_targets(self.client(), Some(&pacer), search, &fields_for([&desired]))
            .await
            .map_err(read_users)?;
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let targets = Plan::uniform(&ids, changes).map_err(BulkError::Invalid)?;
        let mut current: HashMap<i64, User> = users.into_iter().map(|u| (u.id, u)).collect();
        if desired.touches_roles() && self.versions().use_v2() {
            // A /1 listing's `role_id` is not what /2 role batches are planned from.
            current = self.reread(&ids, &desired).await?;
        }
        let devices = self.devices(&ids, &desired).await?;
        let plan = Plan::build_with(&targets, &current, &devices, self.versions().mode())
            .map_err(BulkError::Unknown)?;
        let reads = self.calls_since(calls0);
        let preview = self.preview(PlanKind::Apply, plan, None, reads, t0.elapsed());
        Ok(self.noting_fallback(preview, fallback0))
    }

    /// `changes` for every user a key file names: a CSV read for its key column alone
    /// ([`CsvInput::parse_keys`]) or an id list. Unknown users refuse the file, naming
    /// their lines; the file is kept in the journal for the result files.
    pub async fn plan_keys(
        &self,
        input: &mut CsvInput,
        changes: &[Change],
    ) -> Result<Preview, BulkError> {
        let desired = Desired::from_changes(changes).map_err(BulkError::Invalid)?;
        check_versions([&desired], self.versions()).map_err(needs_v2)?;
        let pacer = self.pacer();
        let t0 = Instant::now();
        let calls0 = self.client().calls_made();
        let fallback0 = self.versions().fallback();
        let fields = fields_for([&desired]);
        let (targets, mut current) = input
            .resolve(self.client(), Some(&pacer), &fields, self.versions())
            .await
            .map_err(|e| match e {
                ResolveError::Refused(r) => BulkError::Refused(r),
                ResolveError::Api(error) => read_users(error),
            })?;
        let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
        // Same changes for every row; the check a selection gets (one device, one user).
        Plan::uniform(&ids, changes).map_err(BulkError::Invalid)?;
        let targets: Vec<Target> = targets
            .into_iter()
            .map(|t| Target {
                desired: desired.clone(),
                ..t
            })
            .collect();
        if desired.touches_roles() {
            current = self.reread(&ids, &desired).await?;
        }
        let devices = self.devices(&ids, &desired).await?;
        let plan = Plan::build_with(&targets, &current, &devices, self.versions().mode()).map_err(
            |unknown| {
                BulkError::Refused(Refusals(
                    unknown
                        .iter()
                        .map(|u| {
                            let line = u.row.and_then(|i| input.rows.get(i)).map(|r| r.line);
                            Refusal::new(line, None, format!("unknown user {}", u.id))
                        })
                        .collect(),
                ))
            },
        )?;
        // Unlock and factors: the reads may have fallen back to /1 on the way.
        check_versions([&desired], self.versions()).map_err(needs_v2)?;
        let source = Some(input.source());
        let reads = self.calls_since(calls0);
        let preview = self.preview(PlanKind::Apply, plan, source, reads, t0.elapsed());
        Ok(self.noting_fallback(preview, fallback0))
    }

    /// The users read again with everything `desired` needs (role membership on /2).
    async fn reread(
        &self,
        ids: &[i64],
        desired: &Desired,
    ) -> Result<HashMap<i64, User>, BulkError> {
        let needs = Needs::of([desired]);
        let pacer = self.pacer();
        fetch_current(self.client(), Some(&pacer), ids, &needs, self.versions())
            .await
            .map(|c| c.users)
            .map_err(read_users)
    }

    /// Each user's MFA devices when `desired` removes factors (and /2 is in use).
    async fn devices(
        &self,
        ids: &[i64],
        desired: &Desired,
    ) -> Result<HashMap<i64, Vec<MfaDevice>>, BulkError> {
        if desired.lifecycle.remove_factors.is_empty() || !self.versions().use_v2() {
            return Ok(HashMap::new());
        }
        let pacer = self.pacer();
        read_devices(self.client(), Some(&pacer), ids)
            .await
            .map_err(read_users)
    }
}
