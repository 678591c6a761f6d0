//! Reusable pieces of the screens.

pub mod chrome;
pub mod edit_keys;
pub mod picker;
pub mod policy_pane;
pub mod text_area;
pub mod text_field;
pub mod wrap;
