//! The Journey language server, as a library: [`serve`] speaks the Language
//! Server Protocol over any byte streams (`journey lsp` gives it standard input
//! and output). Built on `tower-lsp-server`, the maintained fork of `tower-lsp`.
//!
//! - [`world`]: the open buffers, the workspace folders, which project a file
//!   belongs to, and the checked projects;
//! - [`features`]: every feature as a plain function over a checked project;
//! - [`server`]: the protocol: capabilities, requests and notifications;
//! - [`transport`]: the framing of messages, which answers a message it cannot
//!   decode with the JSON-RPC error and goes on.

pub mod convert;
pub mod features;
pub mod ledger;
pub mod server;
pub mod transport;
pub mod world;

pub use server::{Backend, serve, serve_logged};
