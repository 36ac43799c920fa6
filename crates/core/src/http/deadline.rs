//! The deadline of a webhook's CRM work, counted from the request's start.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The whole CRM work of a synchronous webhook: Customer.io gives up after about 4 s, and WordPress needs
/// some of that for itself.
pub const SYNC_BUDGET: Duration = Duration::from_millis(3500);

/// The moment by which the CRM work must be done.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(budget: Duration) -> Deadline {
        Deadline(Instant::now() + budget)
    }

    /// `budget` counted from `started_at` (seconds since the UNIX epoch, PHP's `REQUEST_TIME_FLOAT`), so time
    /// already spent loading WordPress counts. A start in the future or the far past is taken as now.
    pub fn from_request_start(started_at: f64, budget: Duration) -> Deadline {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let spent = now - started_at;
        let spent = if spent.is_finite() && (0.0..budget.as_secs_f64()).contains(&spent) { spent } else { 0.0 };
        Deadline::after(budget.saturating_sub(Duration::from_secs_f64(spent)))
    }

    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_counts_time_already_spent() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let d = Deadline::from_request_start(now - 1.0, SYNC_BUDGET);
        let left = d.remaining();
        assert!(left <= Duration::from_millis(2600) && left >= Duration::from_millis(2000), "{left:?}");
        for odd in [now + 100.0, now - 1e9, f64::NAN, 0.0] {
            let left = Deadline::from_request_start(odd, SYNC_BUDGET).remaining();
            assert!(left > Duration::from_millis(3000), "{odd}: {left:?}");
        }
    }
}
