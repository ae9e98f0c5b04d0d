//! The `haven` binary's library: configuration, wiring of the services, the command line,
//! the local deployment, operator commands and the clinic tooling. Printing to the terminal is
//! this crate's job, so the print lints that guard the libraries are off here.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod admin;
pub mod certificate;
pub mod cli;
pub mod clinic;
pub mod config;
pub mod dev;
pub mod serve;
pub mod up;
