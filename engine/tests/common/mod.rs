//! Helpers shared by the integration tests.

pub mod smoltcp_host;
