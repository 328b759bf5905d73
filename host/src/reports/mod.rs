//! What the commands show a person: evaluation, `predict`, `inspect`, the
//! training plot and progress bar, the pictures they draw, and `bench`.

pub mod bench;
pub mod draw;
pub mod eval;
pub mod inspect;
pub mod plot;
pub mod predict;
pub mod progress;
