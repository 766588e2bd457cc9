//! `journey serve`: published plans run live. The engine of `journey run`,
//! fed by the network instead of files, on the wall clock (or the events'
//! clock), its inputs made durable in an embedded store before they are
//! acknowledged, its sends delivered through an outbox.

pub mod delivery;
