//! One module per screen: its state (where it has any) and its drawing.

pub mod case_view;
pub mod dashboard;
pub mod determination;
pub mod help;
pub mod intake;
pub mod queue;
pub mod review;
