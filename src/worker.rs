//! The async action channel: runs `Command`s on `api::Client` with bounded concurrency and
//! sends each outcome back as an `Action`. The only place where `app` and `api` meet.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use tokio::sync::{Semaphore, mpsc};

use crate::api::{ApiError, Client, SortOrder};
use crate::app::action::{Action, Command, Outcome, SavePart};

/// Reads are retried this often on 5xx, 429 and transport errors; writes never are here
/// (the user sees the error and saves again, nothing is lost).
const READ_RETRIES: usize = 2;

#[derive(Clone)]
pub struct Worker {
    client: Client,
    actions: mpsc::UnboundedSender<Action>,
    slots: Arc<Semaphore>,
}

impl Worker {
    pub fn new(
        client: Client,
        actions: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Worker {
        Worker {
            client,
            actions,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Starts a command; its outcome arrives later as an `Action`. Never blocks the caller.
    pub fn spawn(&self, command: Command) {
        let worker = self.clone();
        tokio::spawn(async move {
            let Ok(_slot) = worker.slots.clone().acquire_owned().await else {
                return;
            };
            if let Some(outcome) = worker.run(command).await {
                let _ = worker.actions.send(Action::Outcome(outcome));
            }
            let _ = worker.actions.send(Action::Outcome(Outcome::RateLimit(
                worker.client.rate_limit(),
            )));
        });
    }

    async fn run(&self, command: Command) -> Option<Outcome> {
        let c = &self.client;
        Some(match command {
            Command::LoadFields => Outcome::Fields(read(|| c.custom_attribute_fields()).await),
            Command::LoadRoles => Outcome::Roles(read(|| c.list_roles(None)).await),
            Command::LoadGroups => Outcome::Groups(read(|| c.list_groups()).await),
            Command::LoadUsers {
                generation,
                query,
                after_cursor,
            } => {
                let result = read(|| c.list_users_page(&query, after_cursor.as_deref())).await;
                Outcome::UsersPage { generation, result }
            }
            Command::LoadLastId { generation, query } => {
                let query = query.sort(SortOrder::IdDesc).limit(1).fields(&["id"]);
                let result = read(|| c.list_users_page(&query, None)).await;
                let result = result.map(|page| page.items.first().map(|u| u.id));
                Outcome::LastId { generation, result }
            }
            Command::LoadUser { id } => {
                let result =
                    read(|| async { Ok((c.get_user(id).await?, c.user_roles(id).await?)) }).await;
                Outcome::User { id, result }
            }
            Command::SetCustomAttributes { id, values } => Outcome::Saved {
                id,
                part: SavePart::CustomAttributes,
                result: c.set_custom_attributes(id, &values).await.map(|()| None),
            },
            Command::UpdateUser { id, update } => Outcome::Saved {
                id,
                part: SavePart::Fields,
                result: c.update_user(id, &update).await.map(Some),
            },
            Command::UpdateUserV3 { id, update } => Outcome::Saved {
                id,
                part: SavePart::Fields,
                result: c.update_user_v3(id, &update).await.map(|()| None),
            },
            Command::AddRoles { id, role_ids } => Outcome::Saved {
                id,
                part: SavePart::AddRoles,
                result: c.add_roles(id, &role_ids).await.map(|()| None),
            },
            Command::RemoveRoles { id, role_ids } => Outcome::Saved {
                id,
                part: SavePart::RemoveRoles,
                result: c.remove_roles(id, &role_ids).await.map(|()| None),
            },
            Command::Copy { .. } | Command::WriteExport { .. } | Command::Quit => return None,
        })
    }
}

/// A read, retried with exponential backoff and jitter when the error may pass.
async fn read<T, F, Fut>(call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    call.retry(
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(5))
            .with_max_times(READ_RETRIES)
            .with_jitter(),
    )
    .when(ApiError::is_retryable)
    .await
}
