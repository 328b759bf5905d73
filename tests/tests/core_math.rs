//! The core's math against independent references: finite differences,
//! a toy problem, and pinned values of the seeded initialisation.

use digitnet_core::network::DEFAULT_SEED;
use digitnet_core::random::{seeded, Normal};
use digitnet_core::{Gradient, Layer, MnistNet, Network};

/// The quadratic cost of a [I, H, O] network computed in `f64` from `f32`
/// parameters, with `delta` added to parameter number `which` (biases of
/// the hidden layer, its weights row-major, then the same for the output).
fn cost_f64<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    x: &[f64; I],
    y: &[f32; O],
    which: usize,
    delta: f64,
) -> f64 {
    let mut params: Vec<f64> = params_of(net).into_iter().map(f64::from).collect();
    params[which] += delta;
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let (hb, rest) = params.split_at(H);
    let (hw, rest) = rest.split_at(H * I);
    let (ob, ow) = rest.split_at(O);
    let hidden: Vec<f64> = (0..H)
        .map(|j| sigmoid((0..I).map(|k| hw[j * I + k] * x[k]).sum::<f64>() + hb[j]))
        .collect();
    (0..O)
        .map(|j| {
            let a = sigmoid((0..H).map(|k| ow[j * H + k] * hidden[k]).sum::<f64>() + ob[j]);
            0.5 * (f64::from(y[j]) - a).powi(2)
        })
        .sum()
}

fn params_of<const I: usize, const H: usize, const O: usize>(net: &Network<I, H, O>) -> Vec<f32> {
    let mut v = net.hidden.biases.to_vec();
    v.extend(net.hidden.weights_flat());
    v.extend(net.output.biases);
    v.extend(net.output.weights_flat());
    v
}

fn grads_of<const I: usize, const H: usize, const O: usize>(g: &Gradient<I, H, O>) -> Vec<f32> {
    let mut v = g.hidden.biases.to_vec();
    v.extend(g.hidden.weights_flat());
    v.extend(g.output.biases);
    v.extend(g.output.weights_flat());
    v
}

fn check_against_finite_differences<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    x32: &[f32; I],
    y: &[f32; O],
) {
    let x: [f64; I] = x32.map(f64::from);
    let mut nabla = Gradient::zeroed();
    net.backprop(x32, y, &mut nabla);
    let analytic = grads_of(&nabla);
    assert_eq!(analytic.len(), Network::<I, H, O>::PARAMETERS);
    let h = 1e-5;
    let mut worst = 0.0f64;
    for (which, g) in analytic.iter().enumerate() {
        let numeric =
            (cost_f64(net, &x, y, which, h) - cost_f64(net, &x, y, which, -h)) / (2.0 * h);
        let g = f64::from(*g);
        let scale = g.abs().max(numeric.abs());
        let rel = if scale == 0.0 {
            0.0
        } else {
            (g - numeric).abs() / scale
        };
        assert!(rel < 1e-3, "parameter {which}: backprop {g:e}, finite difference {numeric:e}, relative error {rel:e}");
        worst = worst.max(rel);
    }
    eprintln!(
        "{} parameters, worst relative error {worst:e}",
        analytic.len()
    );
}

#[test]
fn backprop_matches_central_finite_differences() {
    let net: Network<6, 5, 3> = Network::from_seed(11);
    let x = [0.1, 0.9, 0.0, 0.5, 0.3, 0.7];
    check_against_finite_differences(&net, &x, &[0.0, 1.0, 0.0]);
    let net: Network<4, 7, 2> = Network::from_seed(12);
    check_against_finite_differences(&net, &[0.25, 0.0, 1.0, 0.6], &[1.0, 0.0]);
}

#[test]
fn backprop_from_u8_pixels_matches_f32_input() {
    // Same gradient (to rounding) whether the image arrives as u8 or as p / 255.
    let net: Network<5, 4, 2> = Network::from_seed(13);
    let pixels = [0u8, 255, 17, 128, 200];
    let floats = pixels.map(|p| f32::from(p) / 255.0);
    let (mut a, mut b) = (Gradient::zeroed(), Gradient::zeroed());
    net.backprop(&pixels, &[1.0, 0.0], &mut a);
    net.backprop(&floats, &[1.0, 0.0], &mut b);
    for (u, v) in grads_of(&a).iter().zip(grads_of(&b)) {
        assert!(
            (u - v).abs() <= 1e-6 * u.abs().max(v.abs()).max(1e-3),
            "{u} vs {v}"
        );
    }
    check_against_finite_differences(&net, &floats, &[1.0, 0.0]);
}

#[test]
fn learns_xor_to_100_percent() {
    let data = [
        ([0.0f32, 0.0], 0usize),
        ([0.0, 1.0], 1),
        ([1.0, 0.0], 1),
        ([1.0, 1.0], 0),
    ];
    let mut net: Network<2, 4, 2> = Network::from_seed(1);
    let wrong_before = data.iter().filter(|(x, y)| net.predict(x) != *y).count();
    assert!(
        wrong_before > 0,
        "an untrained net should not already solve XOR"
    );
    let mut nabla = Gradient::zeroed();
    for _ in 0..3000 {
        net.update_mini_batch(data.iter().map(|(x, y)| (x, *y)), 3.0, &mut nabla)
            .unwrap();
    }
    for (x, y) in &data {
        assert_eq!(
            net.predict(x),
            *y,
            "input {x:?}: outputs {:?}",
            net.feedforward(x)
        );
    }
}

#[test]
fn seeded_mnist_init_follows_network_py_order() {
    // Biases first (hidden then output), then weights row-major, all from one
    // stream of N(0, 1) samples.
    let net = Box::new(MnistNet::from_seed(DEFAULT_SEED));
    let mut rng = seeded(DEFAULT_SEED);
    let mut normal = Normal::new();
    let mut next = || normal.sample(&mut rng);
    let hidden_b: Vec<f32> = (0..30).map(|_| next()).collect();
    let output_b: Vec<f32> = (0..10).map(|_| next()).collect();
    let w00 = next();
    assert_eq!(net.hidden.biases.to_vec(), hidden_b);
    assert_eq!(net.output.biases.to_vec(), output_b);
    assert_eq!(net.hidden.weights[0][0], w00);
    // Pinned bits of the first values for the default seed: a change here
    // changes every trained model and the committed firmware files.
    let first = [
        net.hidden.biases[0],
        net.hidden.biases[1],
        net.output.biases[0],
        net.hidden.weights[0][0],
    ];
    assert_eq!(first.map(f32::to_bits), KNOWN_DEFAULT_SEED);
    // Roughly N(0, 1) over all 23,860 parameters.
    let all: Vec<f64> = net
        .hidden
        .weights_flat()
        .chain(net.output.weights_flat())
        .map(f64::from)
        .collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / all.len() as f64;
    assert!(
        mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
        "mean {mean}, variance {var}"
    );
}

const KNOWN_DEFAULT_SEED: [u32; 4] = [3213158263, 1060160710, 1063745857, 1040992161];

#[test]
fn layer_sizes_are_types() {
    // Parameter counts of the book's network: 784·30 + 30 + 30·10 + 10.
    assert_eq!(MnistNet::PARAMETERS, 23_860);
    assert_eq!(Layer::<784, 30>::PARAMETERS, 23_550);
}
