//! iotvet's wire parsers and builders: pure functions over bytes, bounded, no I/O, no panics
//! (`clippy::indexing_slicing` and `clippy::string_slice` are denied here: every read of a
//! length that came from input is checked). Collectors (live probing today, traffic captures
//! next) use them; each has a cargo-fuzz target in `fuzz/`.
#![forbid(unsafe_code)]
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod adb;
pub mod bytes;
pub mod cert;
pub mod client_hello;
pub mod dns;
pub mod fingerprint;
pub mod form;
pub mod greeting;
pub mod http;
pub mod key;
pub mod mqtt;
pub mod snmp;
pub mod telnet;
pub mod tls;
pub mod udp;
