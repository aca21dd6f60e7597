//! One component per file. `App` is the root; the rest render what it
//! hands them.

pub mod app;
pub mod capture;
pub mod controls;
pub mod embed_dialog;
pub mod flag_chips;
pub mod host_card;
pub mod inspector;
pub mod lab_panel;
pub mod ladder;
pub mod narration_panel;
pub mod notices;
pub mod scenario_picker;
pub mod sequence_plot;
pub mod state_diagram;
pub mod window_plot;
pub mod wire_view;
