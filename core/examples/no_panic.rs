//! Links the forward pass and the SGD step of the MNIST network with every
//! panic path refused (`no-panic`): built with
//!
//! ```text
//! CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
//!     cargo build --release -p digitnet-core --features no-panic --example no_panic
//! ```
//!
//! the link fails if any function marked `no_panic` in `core/src/network.rs`
//! (`feedforward_into`, `feedforward`, `predict`, `backprop`,
//! `update_mini_batch`, `cost`, `argmax`) can still reach a panic after
//! optimisation, for the MNIST network on `u8` pixels and on `f32` inputs.
//! Link-time optimisation lets the compiler see that `libm`'s functions do
//! not unwind; without it every call into another crate counts as a
//! possible panic. Run, it takes two steps and prints the answers.

use digitnet_core::{network::argmax, Gradient, MnistNet, Step};

fn main() {
    let mut net: Box<MnistNet> = Box::new(MnistNet::from_seed(1));
    let mut nabla: Box<Gradient<784, 30, 10>> = Box::default();
    let pixels = [7u8; 784];
    let floats = [0.25f32; 784];
    let batch = [(&pixels, 3usize), (&pixels, 4)];
    let m = net.update_mini_batch(batch, Step::regularised(3.0, 0.1, 50_000), &mut nabla);
    let batch = [(&floats, 5usize)];
    let n = net.update_mini_batch(batch, Step::new(0.5), &mut nabla);
    let out = net.feedforward(&pixels);
    let cost = net.cost(&floats, &[0.1; 10]);
    println!(
        "{m:?} {n:?} {:?} {:?} {cost}",
        argmax(&out),
        net.predict(&floats)
    );
}
