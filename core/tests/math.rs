//! The core's math against independent references: finite differences,
//! a toy problem, and pinned values of the seeded initialisation.

use digitnet_core::network::DEFAULT_SEED;
use digitnet_core::random::{seeded, Normal};
use digitnet_core::{Activation, Cost, Gradient, Init, Layer, MnistNet, Network, Step};

/// Activation `f(z)` of the hidden layer, in `f64`.
fn act_f64(activation: Activation, z: f64) -> f64 {
    match activation {
        Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        Activation::Relu => z.max(0.0),
    }
}

/// The network's outputs computed in `f64` from a flat parameter vector
/// (biases of the hidden layer, its weights row-major, then the same for the
/// output layer), an independent re-statement of the forward pass.
fn outputs_f64<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    params: &[f64],
    x: &[f64; I],
) -> Vec<f64> {
    let (hb, rest) = params.split_at(H);
    let (hw, rest) = rest.split_at(H * I);
    let (ob, ow) = rest.split_at(O);
    let hidden: Vec<f64> = (0..H)
        .map(|j| {
            let z = (0..I).map(|k| hw[j * I + k] * x[k]).sum::<f64>() + hb[j];
            act_f64(net.activation, z)
        })
        .collect();
    let z: Vec<f64> = (0..O)
        .map(|j| (0..H).map(|k| ow[j * H + k] * hidden[k]).sum::<f64>() + ob[j])
        .collect();
    if net.cost == Cost::LogLikelihood {
        let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
        let sum: f64 = e.iter().sum();
        e.iter().map(|v| v / sum).collect()
    } else {
        z.iter().map(|&v| 1.0 / (1.0 + (-v).exp())).collect()
    }
}

/// The cost `C_x` in `f64`, written from the book's formulas.
fn cost_of(cost: Cost, a: &[f64], y: &[f32]) -> f64 {
    a.iter()
        .zip(y)
        .map(|(&a, &y)| {
            let y = f64::from(y);
            match cost {
                Cost::Quadratic => 0.5 * (y - a).powi(2),
                Cost::CrossEntropy => -(y * a.ln() + (1.0 - y) * (1.0 - a).ln()),
                Cost::LogLikelihood => -y * a.ln(),
            }
        })
        .sum()
}

/// The network's cost of one example in `f64`, with `delta` added to parameter
/// number `which`.
fn cost_f64<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    x: &[f64; I],
    y: &[f32; O],
    which: usize,
    delta: f64,
) -> f64 {
    let mut params: Vec<f64> = params_of(net).into_iter().map(f64::from).collect();
    params[which] += delta;
    cost_of(net.cost, &outputs_f64(net, &params, x), y)
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

/// Relative error of `got` against `want`, 0 when both are 0.
fn relative_error(got: f64, want: f64) -> f64 {
    let scale = got.abs().max(want.abs());
    if scale < 1e-9 {
        0.0
    } else {
        (got - want).abs() / scale
    }
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
    let h = 1e-6;
    let mut worst = 0.0f64;
    for (which, g) in analytic.iter().enumerate() {
        let numeric =
            (cost_f64(net, &x, y, which, h) - cost_f64(net, &x, y, which, -h)) / (2.0 * h);
        let g = f64::from(*g);
        let rel = relative_error(g, numeric);
        assert!(
            rel < 1e-3,
            "{:?}/{:?}, parameter {which}: backprop {g:e}, finite difference {numeric:e}, relative error {rel:e}",
            net.activation,
            net.cost
        );
        worst = worst.max(rel);
    }
    eprintln!(
        "{:?}/{:?}: {} parameters, worst relative error {worst:e}",
        net.activation,
        net.cost,
        analytic.len()
    );
}

/// A `[6, 5, 3]` network of the given neurons with scaled initial weights, so
/// that no neuron starts saturated.
fn small_net(activation: Activation, cost: Cost, seed: u64) -> Network<6, 5, 3> {
    let mut net = Network::zeroed().with_neurons(activation, cost);
    net.init_with(Init::Scaled, &mut seeded(seed));
    net
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
fn backprop_matches_finite_differences_for_every_cost_and_activation() {
    let x = [0.1, 0.9, 0.0, 0.5, 0.3, 0.7];
    for activation in Activation::ALL {
        for cost in Cost::ALL {
            for seed in [21, 22] {
                let net = small_net(activation, cost, seed);
                check_against_finite_differences(&net, &x, &[0.0, 1.0, 0.0]);
            }
        }
    }
}

/// With L2 regularisation the step is `w' = w − eta ∇C` for the regularised
/// cost `C = (1/m) Σ_x C_x + (lambda/2n) Σ w²` (biases not included), so
/// `(w − w') / eta` must equal that cost's finite-difference gradient.
#[test]
fn regularised_step_follows_the_regularised_cost() {
    let batch: [([f32; 6], usize); 3] = [
        ([0.1, 0.9, 0.0, 0.5, 0.3, 0.7], 1),
        ([0.8, 0.0, 0.2, 0.4, 0.9, 0.1], 0),
        ([0.0, 0.3, 0.6, 0.9, 0.2, 0.5], 2),
    ];
    let (eta, n) = (1.0f32, 5usize);
    for lambda in [0.0f32, 0.7] {
        for activation in Activation::ALL {
            for cost in Cost::ALL {
                let net = small_net(activation, cost, 31);
                let mut after = net.clone();
                let mut nabla = Gradient::zeroed();
                let step = Step::regularised(eta, lambda, n);
                let m = after
                    .update_mini_batch(batch.iter().map(|(x, y)| (x, *y)), step, &mut nabla)
                    .unwrap();
                assert_eq!(m, 3);
                let before = params_of(&net);
                let moved: Vec<f64> = before
                    .iter()
                    .zip(params_of(&after))
                    .map(|(w, w2)| (f64::from(*w) - f64::from(w2)) / f64::from(eta))
                    .collect();
                let is_weight = |which: usize| (5..35).contains(&which) || which >= 38;
                let total = |which: usize, delta: f64| {
                    let mut params: Vec<f64> = before.iter().map(|&v| f64::from(v)).collect();
                    params[which] += delta;
                    let data_cost: f64 = batch
                        .iter()
                        .map(|(x, label)| {
                            let y: [f32; 3] = std::array::from_fn(|j| f32::from(j == *label));
                            cost_of(cost, &outputs_f64(&net, &params, &x.map(f64::from)), &y)
                        })
                        .sum::<f64>()
                        / batch.len() as f64;
                    let decay: f64 = (0..params.len())
                        .filter(|&i| is_weight(i))
                        .map(|i| params[i] * params[i])
                        .sum();
                    data_cost + f64::from(lambda) / (2.0 * n as f64) * decay
                };
                let h = 1e-6;
                for (which, got) in moved.iter().enumerate() {
                    let want = (total(which, h) - total(which, -h)) / (2.0 * h);
                    // (w − w') carries the rounding of w (about 1e-7).
                    let ok = (got - want).abs() <= 1e-3 * got.abs().max(want.abs()) + 2e-6;
                    assert!(
                        ok,
                        "lambda {lambda}, {activation:?}/{cost:?}, parameter {which}: step {got:e}, gradient {want:e}"
                    );
                }
            }
        }
    }
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
    let wrong_before = data
        .iter()
        .filter(|(x, y)| net.predict(x) != Some(*y))
        .count();
    assert!(
        wrong_before > 0,
        "an untrained net should not already solve XOR"
    );
    let mut nabla = Gradient::zeroed();
    for _ in 0..3000 {
        net.update_mini_batch(
            data.iter().map(|(x, y)| (x, *y)),
            Step::new(3.0),
            &mut nabla,
        )
        .unwrap();
    }
    for (x, y) in &data {
        assert_eq!(
            net.predict(x),
            Some(*y),
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

/// Known answers for `Init::Scaled` and `Init::Uniform` on a `[4, 3, 2]`
/// network from seed 5, computed independently in Python (the generator,
/// Box–Muller and the scaling re-implemented from their definitions).
#[test]
fn scaled_and_uniform_init_known_answers_and_draw_order() {
    let mut scaled: Network<4, 3, 2> = Network::zeroed();
    scaled.init_with(Init::Scaled, &mut seeded(5));
    // Biases first: hidden then output, plain N(0, 1).
    let biases: Vec<u32> = scaled
        .hidden
        .biases
        .iter()
        .chain(&scaled.output.biases)
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(
        biases,
        [1057803726, 3221681463, 1049118939, 1067472744, 1061292273]
    );
    // Then the weights, divided by √n_in: √4 for the hidden layer, √3 for the output.
    let first_hidden = [0, 1, 2].map(|k| scaled.hidden.weights[0][k].to_bits());
    assert_eq!(first_hidden, [1054473324, 3183462643, 3202633851]);
    let last_output = [1, 2].map(|k| scaled.output.weights[1][k].to_bits());
    assert_eq!(last_output, [3200531170, 1044714957]);
    // Same stream as `Normal`: weight 0 is the sample after the 5 biases, halved.
    let mut rng = seeded(5);
    let mut normal = Normal::new();
    for _ in 0..5 {
        normal.sample(&mut rng);
    }
    let w0 = (normal.sample_f64(&mut rng) / 2.0) as f32;
    assert_eq!(scaled.hidden.weights[0][0], w0);

    let mut uniform: Network<4, 3, 2> = Network::from_seed(1);
    uniform.init_with(Init::Uniform, &mut seeded(5));
    assert!(uniform
        .hidden
        .biases
        .iter()
        .chain(&uniform.output.biases)
        .all(|b| b.to_bits() == 0));
    let first_hidden = [0, 1, 2].map(|k| uniform.hidden.weights[0][k].to_bits());
    assert_eq!(first_hidden, [3201325963, 1049938563, 3178497116]);
    let last_output = [1, 2].map(|k| uniform.output.weights[1][k].to_bits());
    assert_eq!(last_output, [967953528, 1050280861]);
}

#[test]
fn init_schemes_have_their_spread() {
    let stats = |scheme: Init| {
        let mut net: Box<Network<784, 100, 10>> = Box::new(Network::zeroed());
        net.init_with(scheme, &mut seeded(8));
        let w: Vec<f64> = net.hidden.weights_flat().map(f64::from).collect();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / w.len() as f64;
        let (lo, hi) = w
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let b: Vec<f32> = net.hidden.biases.to_vec();
        (mean, var, lo, hi, b)
    };
    let (mean, var, _, _, b) = stats(Init::Normal);
    assert!(
        mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
        "{mean} {var}"
    );
    assert!(b.iter().any(|v| v.abs() > 0.5));
    // N(0, 1/784): variance 1/784.
    let (mean, var, _, _, b) = stats(Init::Scaled);
    assert!(
        mean.abs() < 0.001 && (var * 784.0 - 1.0).abs() < 0.02,
        "{mean} {var}"
    );
    assert!(b.iter().any(|v| v.abs() > 0.5), "biases stay N(0, 1)");
    // U(−0.5, 0.5): variance 1/12, inside the bounds, zero biases.
    let (mean, var, lo, hi, b) = stats(Init::Uniform);
    assert!(
        mean.abs() < 0.01 && (var * 12.0 - 1.0).abs() < 0.02,
        "{mean} {var}"
    );
    assert!(
        (-0.5..=-0.49).contains(&lo) && (0.49..0.5).contains(&hi),
        "{lo} {hi}"
    );
    assert!(b.iter().all(|&v| v == 0.0));
}

#[test]
fn softmax_network_with_huge_logits_is_finite() {
    let mut net: Network<3, 2, 4> =
        Network::from_seed(4).with_neurons(Activation::Relu, Cost::LogLikelihood);
    net.output.weights = [[1e30, -1e30], [3e38, 3e38], [-3e38, 0.0], [0.0, 0.0]];
    let out = net.feedforward(&[1.0f32, 1.0, 1.0]);
    assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{out:?}");
}

#[test]
fn cost_values_of_a_network() {
    // A [1, 1, 2] network whose outputs are known: hidden σ(0) = 0.5, output
    // z = (0, w·0.5) with biases chosen so that a = (0.25, 0.75) on sigmoid outputs.
    let logit = |p: f32| (p / (1.0 - p)).ln();
    let mut net = Network::new(
        Layer::new([[0.0]], [0.0]),
        Layer::new([[0.0], [0.0]], [logit(0.25), logit(0.75)]),
    );
    let y = [0.0f32, 1.0];
    let near = |a: f32, b: f32| (a - b).abs() < 1e-6;
    assert!(near(net.cost(&[1.0f32], &y), 0.0625));
    net.cost = Cost::CrossEntropy;
    assert!(near(net.cost(&[1.0f32], &y), 2.0 * 0.287_682_1));
    // Softmax of (ln 0.25 − ln 0.75, ln 3) … equal logits give (0.5, 0.5): −ln 0.5.
    net.cost = Cost::LogLikelihood;
    net.output.biases = [0.3, 0.3];
    assert!(near(net.cost(&[1.0f32], &y), core::f32::consts::LN_2));
}
