//! Steering a run from outside: pause, resume, cancel and the concurrency, through a
//! [`RunHandle`] the runner and its user tasks watch.

use std::sync::Arc;

use tokio::sync::watch;

use super::execute::MAX_CONCURRENCY;

/// The state a [`RunHandle`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Running,
    /// No new call starts; calls in flight finish.
    Paused,
    /// Calls in flight finish, nothing else starts; the run can be resumed later.
    Cancelled,
}

#[derive(Debug)]
pub(super) struct HandleInner {
    pub(super) concurrency: watch::Sender<usize>,
    pub(super) control: watch::Sender<Control>,
}

/// Steers a run from outside (the console's keys, the headless signal handler).
#[derive(Debug, Clone)]
pub struct RunHandle {
    pub(super) inner: Arc<HandleInner>,
}

impl RunHandle {
    pub fn new(concurrency: usize) -> RunHandle {
        RunHandle {
            inner: Arc::new(HandleInner {
                concurrency: watch::Sender::new(concurrency.clamp(1, MAX_CONCURRENCY)),
                control: watch::Sender::new(Control::Running),
            }),
        }
    }

    /// Takes effect at once: more users start, or fewer once some finish.
    pub fn set_concurrency(&self, n: usize) {
        self.inner
            .concurrency
            .send_replace(n.clamp(1, MAX_CONCURRENCY));
    }

    pub fn concurrency(&self) -> usize {
        *self.inner.concurrency.borrow()
    }

    pub fn pause(&self) {
        self.inner.control.send_if_modified(|c| {
            let change = *c == Control::Running;
            if change {
                *c = Control::Paused;
            }
            change
        });
    }

    pub fn resume(&self) {
        self.inner.control.send_if_modified(|c| {
            let change = *c == Control::Paused;
            if change {
                *c = Control::Running;
            }
            change
        });
    }

    pub fn cancel(&self) {
        self.inner.control.send_replace(Control::Cancelled);
    }

    pub fn control(&self) -> Control {
        *self.inner.control.borrow()
    }

    /// Waits while paused; `false` once cancelled.
    pub(super) async fn runnable(&self) -> bool {
        let mut rx = self.inner.control.subscribe();
        let result = rx.wait_for(|c| *c != Control::Paused).await;
        matches!(result.as_deref(), Ok(Control::Running))
    }

    /// Resolves once the run is cancelled.
    pub(super) async fn cancelled(&self) {
        let mut rx = self.inner.control.subscribe();
        let _ = rx.wait_for(|c| *c == Control::Cancelled).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn handle_pause_resume_cancel() {
        let h = RunHandle::new(4);
        assert_eq!(h.concurrency(), 4);
        h.set_concurrency(0);
        assert_eq!(h.concurrency(), 1);
        h.set_concurrency(1000);
        assert_eq!(h.concurrency(), MAX_CONCURRENCY);
        h.pause();
        assert_eq!(h.control(), Control::Paused);
        let h2 = h.clone();
        let waiter = tokio::spawn(async move { h2.runnable().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        h.resume();
        assert!(waiter.await.unwrap());
        h.cancel();
        h.resume(); // a cancelled run stays cancelled
        assert_eq!(h.control(), Control::Cancelled);
        assert!(!h.runnable().await);
    }
}
