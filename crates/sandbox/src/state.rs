//! Everything the sandbox remembers: the credentials, each fake CRM's data, the fault rules, the latency and
//! the request log.
//!
//! Each CRM keeps its data in a store of its own module ([`customerio::Workspace`],
//! [`customerly::Project`]), with an empty `Default` and a `seeded()` default seed; a new CRM adds a field
//! here and a line to [`State::new`] and [`State::reset`].

use std::time::{SystemTime, UNIX_EPOCH};

use crate::faults::Faults;
use crate::model::Config;
use crate::record::RequestLog;
use crate::{customerio, customerly};

/// The sandbox's whole state, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    /// Every CRM's credentials (and Customer.io's region).
    pub config: Config,
    /// Customer.io's people and segments.
    pub customerio: customerio::Workspace,
    /// Customerly's contacts and tags.
    pub customerly: customerly::Project,
    pub faults: Faults,
    /// Added before every API answer.
    pub latency_ms: u64,
    pub log: RequestLog,
}

impl State {
    /// The default seed, or no data in any CRM when `empty`.
    pub fn new(empty: bool) -> State {
        let mut state = State {
            config: Config::default(),
            customerio: customerio::Workspace::default(),
            customerly: customerly::Project::default(),
            faults: Faults::default(),
            latency_ms: 0,
            log: RequestLog::default(),
        };
        if !empty {
            state.reset();
        }
        state
    }

    /// Back to the default seed: default config, every CRM's seeded data, no faults, no latency, an empty log
    /// (whose `seq` keeps counting).
    pub fn reset(&mut self) {
        self.config = Config::default();
        self.customerio = customerio::Workspace::seeded();
        self.customerly = customerly::Project::seeded();
        self.faults.clear();
        self.latency_ms = 0;
        self.log.clear();
    }
}

/// Seconds since the UNIX epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_is_seeded_unless_empty() {
        let state = State::new(false);
        assert_eq!(state.customerio.people.len(), 3);
        assert_eq!(state.customerly.contacts().len(), 3);
        let empty = State::new(true);
        assert!(empty.customerio.people.is_empty() && empty.customerio.segments.is_empty());
        assert!(empty.customerly.contacts().is_empty() && empty.customerly.tags().is_empty());
    }
}
