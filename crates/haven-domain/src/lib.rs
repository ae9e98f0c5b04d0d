//! The Haven domain: persons, records, things and their types, applications, consent and
//! the topology of instances. Pure logic: no IO, no clock, no randomness. Callers pass the
//! time and generated ids in, and store or send what comes out.

pub mod access_log;
pub mod account;
pub mod alternate_id;
pub mod application;
pub mod auth_rules;
pub mod authorization;
pub mod blob;
pub mod clock;
pub mod connect;
pub mod country;
pub mod credential;
pub mod direct;
pub mod eventing;
pub mod federation;
pub mod ids;
pub mod operation;
pub mod person;
pub mod record;
pub mod session;
pub mod sharing;
pub mod soda;
pub mod source;
pub mod thing;
pub mod thing_type;
pub mod topology;
pub mod web_session;
