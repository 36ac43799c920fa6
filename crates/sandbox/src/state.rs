//! Everything the sandbox remembers: the fake workspace, the fault rules, the latency and the request log.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::faults::Faults;
use crate::model::{self, segment_key, Config, Person, Segment};
use crate::record::RequestLog;

/// How an App API path identifies a person (`?id_type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdType {
    Email,
    Id,
    CioId,
}

impl IdType {
    /// Parses `email`, `id` or `cio_id`.
    pub fn parse(name: &str) -> Option<IdType> {
        match name {
            "email" => Some(IdType::Email),
            "id" => Some(IdType::Id),
            "cio_id" => Some(IdType::CioId),
            _ => None,
        }
    }
}

/// The sandbox's whole state, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    pub config: Config,
    pub people: Vec<Person>,
    pub segments: Vec<Segment>,
    pub faults: Faults,
    /// Added before every API answer.
    pub latency_ms: u64,
    pub log: RequestLog,
}

impl State {
    /// The default seed, or no people and no segments when `empty`.
    pub fn new(empty: bool) -> State {
        let mut state = State {
            config: Config::default(),
            people: Vec::new(),
            segments: Vec::new(),
            faults: Faults::default(),
            latency_ms: 0,
            log: RequestLog::default(),
        };
        if !empty {
            state.reset();
        }
        state
    }

    /// Back to the default seed: default config, seeded people and segments, no faults, no latency, an empty
    /// log (whose `seq` keeps counting).
    pub fn reset(&mut self) {
        self.config = Config::default();
        self.people = model::seed_people();
        self.segments = model::seed_segments();
        self.faults.clear();
        self.latency_ms = 0;
        self.log.clear();
    }

    /// The first person with this identifier, of this type (emails ignore case).
    pub fn find(&self, identifier: &str, id_type: IdType) -> Option<usize> {
        self.people.iter().position(|p| match id_type {
            IdType::Email => p.has_email(identifier),
            IdType::Id => p.id.as_deref() == Some(identifier),
            IdType::CioId => p.cio_id == identifier,
        })
    }

    /// The person an identifier of unknown type names: tried as an email, then an id, then a cio_id.
    pub fn find_any(&self, identifier: &str) -> Option<usize> {
        [IdType::Email, IdType::Id, IdType::CioId].into_iter().find_map(|id_type| self.find(identifier, id_type))
    }

    /// The first person with this email (any case).
    pub fn person(&self, email: &str) -> Option<&Person> {
        self.find(email, IdType::Email).map(|i| &self.people[i])
    }

    /// Stores a person, returning it as stored.
    ///
    /// It replaces the person with the same `cio_id` when one is given, else the first person with the same
    /// email (keeping that person's `cio_id`); otherwise it is added. A missing `cio_id` is generated and a
    /// zero `created_at` becomes now.
    pub fn upsert_person(&mut self, mut person: Person) -> Person {
        let existing = if person.cio_id.is_empty() {
            self.find(&person.email, IdType::Email)
        } else {
            self.find(&person.cio_id, IdType::CioId)
        };
        if let Some(index) = existing {
            let old = &self.people[index];
            if person.cio_id.is_empty() {
                person.cio_id.clone_from(&old.cio_id);
            }
            if person.created_at == 0 {
                person.created_at = old.created_at;
            }
        }
        if person.cio_id.is_empty() {
            person.cio_id = model::new_cio_id();
        }
        if person.created_at == 0 {
            person.created_at = now_secs();
        }
        match existing {
            Some(index) => self.people[index] = person.clone(),
            None => self.people.push(person.clone()),
        }
        person
    }

    /// Removes every person with this email (any case); returns how many there were.
    pub fn delete_people(&mut self, email: &str) -> usize {
        let before = self.people.len();
        self.people.retain(|p| !p.has_email(email));
        before - self.people.len()
    }

    /// The segment with this id (`1` and `"1"` are the same id).
    pub fn segment(&self, id: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| segment_key(&s.id).as_deref() == Some(id))
    }

    /// Stores a segment, replacing the one with the same id.
    pub fn upsert_segment(&mut self, segment: Segment) {
        let key = segment_key(&segment.id);
        match self.segments.iter_mut().find(|s| segment_key(&s.id) == key) {
            Some(existing) => *existing = segment,
            None => self.segments.push(segment),
        }
    }
}

/// Seconds since the UNIX epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn seed_matches_the_documented_workspace() {
        let state = State::new(false);
        assert_eq!(state.people.len(), 3);
        assert_eq!(state.segments.len(), 3);
        assert_eq!(state.segments[2].id, json!("42"));
        assert_eq!(state.person("JANE@example.com").unwrap().segments, [json!(1), json!("42")]);
        assert_eq!(state.person("john.smith@example.com").unwrap().email, "John.Smith@Example.com");
        assert_eq!(state.find("cust-1001", IdType::Id), Some(2));
        assert!(State::new(true).people.is_empty());
    }

    #[test]
    fn upsert_by_email_keeps_the_cio_id_and_by_cio_id_may_add_a_twin() {
        let mut state = State::new(false);
        let cio_id = state.person("jane@example.com").unwrap().cio_id.clone();
        let stored = state.upsert_person(Person::new("Jane@Example.com").attr("plan", "free"));
        assert_eq!(stored.cio_id, cio_id);
        assert_eq!(stored.created_at, 1_700_000_000);
        assert_eq!(state.people.len(), 3);
        state.upsert_person(Person::new("jane@example.com").cio_id("cio_twin"));
        assert_eq!(state.people.len(), 4);
        let fresh = state.upsert_person(Person::new("new@example.com"));
        assert!(fresh.cio_id.starts_with("cio_") && fresh.created_at > 1_700_000_000);
        assert_eq!(state.delete_people("JANE@EXAMPLE.COM"), 2);
    }

    #[test]
    fn segments_are_keyed_by_their_text_form() {
        let mut state = State::new(false);
        state.upsert_segment(Segment::new("1", "Renamed"));
        assert_eq!(state.segments.len(), 3);
        assert_eq!(state.segment("1").unwrap().id, json!("1"));
        assert_eq!(state.segment("42").unwrap().name, "VIP");
    }
}
