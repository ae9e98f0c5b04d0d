//! End-to-end tests: real `haven` processes, each instance with its own database, driven
//! over HTTP and the command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, reason = "a test fails by panicking")]

mod browser;
mod cli;
mod clinic_cli;
mod connect;
mod direct;
mod eventing;
mod federation;
mod global;
mod master_child;
mod python_clients;
mod service_definition;
mod sharing;
mod shell_flow;
mod support;
