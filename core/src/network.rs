//! The three-layer network: input, one hidden layer, output.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::Error;
use crate::gradient::Gradient;
use crate::init::Init;
use crate::input::{Input, Target};
use crate::layer::Layer;
use crate::random::{seeded, Normal};
use crate::step::Step;
use rand_core::Rng;

/// A network of `I` inputs, `H` hidden neurons and `O` output neurons.
///
/// Each size is its own type parameter, so a network can only be fed inputs of
/// length `I`, and a gradient only fits the network it was made for. The kind
/// of neurons is chosen once per network: the hidden layer's [`Activation`]
/// and the [`Cost`], which also fixes the output layer (sigmoid, or softmax
/// for the log-likelihood).
#[derive(Clone, Debug, PartialEq)]
pub struct Network<const I: usize, const H: usize, const O: usize> {
    /// Layer 2 of the book's numbering: the hidden layer.
    pub hidden: Layer<I, H>,
    /// Layer 3: the output layer, one neuron per class.
    pub output: Layer<H, O>,
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost minimised in training; it also picks the output neurons.
    pub cost: Cost,
}

/// The book's `[784, 30, 10]` MNIST network.
pub type MnistNet = Network<784, 30, 10>;

/// The default seed of every seeded run (chosen once, printed by the host).
pub const DEFAULT_SEED: u64 = 20_151_130;

impl<const I: usize, const H: usize, const O: usize> Network<I, H, O> {
    /// Number of weights and biases.
    pub const PARAMETERS: usize = Layer::<I, H>::PARAMETERS + Layer::<H, O>::PARAMETERS;

    /// Chapter 1's network of sigmoid neurons and quadratic cost, from its two
    /// layers (usable in `static` items).
    pub const fn new(hidden: Layer<I, H>, output: Layer<H, O>) -> Self {
        Self {
            hidden,
            output,
            activation: Activation::Sigmoid,
            cost: Cost::Quadratic,
        }
    }

    /// The same layers with other neurons: `activation` in the hidden layer and
    /// the output layer that `cost` goes with (usable in `static` items).
    pub const fn with_neurons(self, activation: Activation, cost: Cost) -> Self {
        Self {
            activation,
            cost,
            ..self
        }
    }

    /// A chapter-1 network of zeros, to be filled by [`Network::init`] or a model file.
    pub const fn zeroed() -> Self {
        Self::new(Layer::zeroed(), Layer::zeroed())
    }

    /// Draws every weight and bias from N(0, 1), as `network.py` does.
    ///
    /// Order: hidden biases, output biases, hidden weights, output weights
    /// (each row-major), the order of `network.py`'s `np.random.randn` calls.
    pub fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        self.init_with(Init::Normal, rng);
    }

    /// Draws the weights and biases by `scheme` (see [`Init`] for the order).
    pub fn init_with<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        let mut normal = Normal::new();
        match scheme {
            Init::Normal | Init::Scaled => {
                self.hidden.fill_biases_normal(&mut normal, rng);
                self.output.fill_biases_normal(&mut normal, rng);
            }
            Init::Uniform => {
                self.hidden.biases.fill(0.0);
                self.output.biases.fill(0.0);
            }
        }
        match scheme {
            Init::Normal => {
                self.hidden.fill_weights_normal(&mut normal, rng);
                self.output.fill_weights_normal(&mut normal, rng);
            }
            Init::Scaled => {
                self.hidden.fill_weights_scaled(&mut normal, rng);
                self.output.fill_weights_scaled(&mut normal, rng);
            }
            Init::Uniform => {
                self.hidden.fill_weights_uniform(rng);
                self.output.fill_weights_uniform(rng);
            }
        }
    }

    /// A network initialised by [`Network::init`] from `rng`.
    pub fn from_rng<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut net = Self::zeroed();
        net.init(rng);
        net
    }

    /// A network initialised from `XorShiftRng::seed_from_u64(seed)`.
    pub fn from_seed(seed: u64) -> Self {
        Self::from_rng(&mut seeded(seed))
    }

    /// The hidden and output activations for input `x`, written into the buffers.
    #[inline]
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn feedforward_into<X: Input<I> + ?Sized>(
        &self,
        x: &X,
        hidden: &mut [f32; H],
        output: &mut [f32; O],
    ) {
        self.hidden.weighted_input(x, hidden);
        self.activation.apply_in_place(hidden);
        self.output.weighted_input(hidden, output);
        self.cost.activate_output(output);
    }

    /// The output activations for input `x`: `a = σ(w·σ(w·x + b) + b)` for
    /// chapter 1's network, with ReLU or softmax in place of `σ` where chosen.
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn feedforward<X: Input<I> + ?Sized>(&self, x: &X) -> [f32; O] {
        let mut hidden = [0.0; H];
        let mut output = [0.0; O];
        self.feedforward_into(x, &mut hidden, &mut output);
        output
    }

    /// The network's answer: the index of the most active output neuron, or
    /// `None` when an output is NaN (a broken network has no answer; see [`argmax`]).
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn predict<X: Input<I> + ?Sized>(&self, x: &X) -> Option<usize> {
        argmax(&self.feedforward(x))
    }

    /// Adds the gradient `∇C_x` of the network's cost for one example to `nabla`.
    ///
    /// Backpropagation, chapter 2:
    /// `delta_L = ∂C/∂z_L` (BP1; [`Cost::delta`]: `(a_L − y) ⊙ σ'(z_L)` for the
    /// quadratic cost, `a_L − y` for the other two),
    /// `delta_l = (w_{l+1}ᵀ delta_{l+1}) ⊙ f'(z_l)` (BP2),
    /// `∂C/∂b_j = delta_j` (BP3), `∂C/∂w_jk = a_k delta_j` (BP4).
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn backprop<X: Input<I> + ?Sized>(
        &self,
        x: &X,
        y: &[f32; O],
        nabla: &mut Gradient<I, H, O>,
    ) {
        let mut a_hidden = [0.0; H];
        let mut a_out = [0.0; O];
        self.feedforward_into(x, &mut a_hidden, &mut a_out);

        // BP1.
        let mut delta_out = [0.0; O];
        self.cost.delta(&a_out, y, &mut delta_out);

        // BP2: delta_hidden = (wᵀ delta_out) ⊙ f'(z_hidden), summed over j in order.
        let mut delta_hidden = [0.0; H];
        for (row, d) in self.output.weights.iter().zip(&delta_out) {
            delta_hidden
                .iter_mut()
                .zip(row)
                .for_each(|(dh, w)| *dh += w * d);
        }
        for (dh, a) in delta_hidden.iter_mut().zip(&a_hidden) {
            *dh *= self.activation.prime_from_activation(*a);
        }

        // BP3 and BP4 for both layers.
        accumulate(&mut nabla.output, &delta_out, &a_hidden);
        accumulate(&mut nabla.hidden, &delta_hidden, x);
    }

    /// One step of mini-batch gradient descent:
    /// `w → (1 − eta·lambda/n) w − (eta/m) Σ_x ∇C_x` and `b → b − (eta/m) Σ_x ∇C_x`
    /// (chapter 1, equations 20–21; with L2 regularisation, chapter 3, equations 93–94).
    ///
    /// `batch` yields `(input, target)` pairs; a target is a vector `y` or a class
    /// label. `nabla` is the caller's buffer for the summed gradient (it is
    /// cleared first), so nothing large lives on the stack. Returns the batch
    /// size `m`. On error the network is unchanged.
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn update_mini_batch<'a, X, Y, B>(
        &mut self,
        batch: B,
        step: Step,
        nabla: &mut Gradient<I, H, O>,
    ) -> Result<usize, Error>
    where
        X: Input<I> + ?Sized + 'a,
        Y: Target<O>,
        B: IntoIterator<Item = (&'a X, Y)>,
    {
        step.validate()?;
        nabla.clear();
        let mut m = 0usize;
        for (x, y) in batch {
            self.backprop(x, &y.target()?, nabla);
            m += 1;
        }
        if m == 0 {
            return Err(Error::EmptyBatch);
        }
        let (decay, scale) = (step.decay(), step.eta / m as f32);
        self.hidden.descend(decay, scale, &nabla.hidden);
        self.output.descend(decay, scale, &nabla.output);
        Ok(m)
    }

    /// The network's cost for one example, `C_x` (see [`Cost::value`]), without
    /// the regularisation term.
    #[cfg_attr(feature = "no-panic", no_panic::no_panic)]
    pub fn cost<X: Input<I> + ?Sized>(&self, x: &X, y: &[f32; O]) -> f32 {
        self.cost.value(&self.feedforward(x), y)
    }

    /// Whether every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.hidden.is_finite() && self.output.is_finite()
    }
}

impl<const I: usize, const H: usize, const O: usize> Default for Network<I, H, O> {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// `nabla_b += delta` (BP3) and `nabla_w[j] += delta_j · a` (BP4).
#[inline]
fn accumulate<const IN: usize, const OUT: usize, X: Input<IN> + ?Sized>(
    nabla: &mut Layer<IN, OUT>,
    delta: &[f32; OUT],
    a: &X,
) {
    for ((row, nb), d) in nabla
        .weights
        .iter_mut()
        .zip(nabla.biases.iter_mut())
        .zip(delta)
    {
        *nb += d;
        a.add_scaled_to(*d, row);
    }
}

/// Index of the largest value, the first one on ties; `None` when `values`
/// is empty or holds a NaN.
///
/// A NaN output means the network computed nothing meaningful (an overflow
/// such as `∞ − ∞` on the way), so it has no answer, rather than the answer
/// of whichever neurons happened to stay numbers.
#[cfg_attr(feature = "no-panic", no_panic::no_panic)]
pub fn argmax(values: &[f32]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &v) in values.iter().enumerate() {
        if v.is_nan() {
            return None;
        }
        match best {
            Some((_, b)) if v <= b => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::sigmoid;

    #[test]
    fn argmax_first_of_ties_and_no_answer_for_nan() {
        assert_eq!(argmax(&[0.1, 0.9, 0.9, 0.2]), Some(1));
        assert_eq!(argmax(&[0.3, 0.2, 0.1]), Some(0));
        assert_eq!(argmax(&[0.0, 0.0, 0.0]), Some(0));
        assert_eq!(argmax(&[-1.0, f32::NEG_INFINITY, -0.5]), Some(2));
        assert_eq!(argmax(&[f32::NEG_INFINITY; 3]), Some(0));
        assert_eq!(argmax(&[0.5, f32::INFINITY, 1.0]), Some(1));
        // A NaN anywhere, first, last or everywhere: no answer, never 0.
        assert_eq!(argmax(&[f32::NAN, 0.2, 0.1]), None);
        assert_eq!(argmax(&[0.2, 0.1, f32::NAN]), None);
        assert_eq!(argmax(&[f32::NAN; 10]), None);
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn a_nan_network_has_no_answer() {
        let mut net: Network<3, 2, 2> = Network::from_seed(1);
        assert!(net.predict(&[0.5f32, 0.1, 0.9]).is_some());
        net.output.biases[1] = f32::NAN;
        assert_eq!(net.predict(&[0.5f32, 0.1, 0.9]), None);
        // Finite weights whose sum overflows: ∞ − ∞ in the output layer.
        let mut big: Network<2, 2, 1> = Network::zeroed();
        big.hidden.weights = [[f32::MAX, f32::MAX], [f32::MAX, f32::MAX]];
        big.output.weights = [[f32::MAX, -f32::MAX]];
        big = big.with_neurons(Activation::Relu, Cost::Quadratic);
        assert!(big.is_finite());
        assert_eq!(big.predict(&[1.0f32, 1.0]), None);
    }

    #[test]
    fn is_finite_looks_at_both_layers() {
        let net: Network<3, 2, 2> = Network::from_seed(1);
        assert!(net.is_finite());
        let mut hidden = net.clone();
        hidden.hidden.weights[1][2] = f32::NAN;
        assert!(!hidden.is_finite());
        let mut output = net.clone();
        output.output.biases[0] = f32::INFINITY;
        assert!(!output.is_finite());
    }

    #[test]
    fn feedforward_by_hand() {
        // [1, 1, 1] network: a1 = σ(2·0.5 + 0) = σ(1); a2 = σ(−1·σ(1) + 0.5).
        let net = Network::new(Layer::new([[2.0]], [0.0]), Layer::new([[-1.0]], [0.5]));
        let out = net.feedforward(&[0.5f32]);
        assert_eq!(out, [sigmoid(-sigmoid(1.0) + 0.5)]);
    }

    #[test]
    fn one_sgd_step_by_hand() {
        // [1, 1, 1] network, w1 = 2, b1 = 0, w2 = −1, b2 = 0.5; batch of two
        // examples (x = 0.5, y = 1) and (x = 1, y = 0); eta = 2, so eta/m = 1.
        // Per example: a1 = σ(w1 x + b1), a2 = σ(w2 a1 + b2),
        // delta2 = (a2 − y) a2 (1 − a2), delta1 = w2 delta2 a1 (1 − a1).
        // Example 1: a1 = 0.7310586, a2 = 0.4424910, delta2 = −0.1375334, delta1 = 0.0270407.
        // Example 2: a1 = 0.8807971, a2 = 0.4059347, delta2 = 0.0978918, delta1 = −0.0102780.
        // Summed: nabla_w1 = Σ delta1 x = 0.0032423, nabla_b1 = Σ delta1 = 0.0167627,
        //         nabla_w2 = Σ delta2 a1 = −0.0143221, nabla_b2 = Σ delta2 = −0.0396416.
        let mut net = Network::new(Layer::new([[2.0]], [0.0]), Layer::new([[-1.0]], [0.5]));
        let mut nabla = Gradient::zeroed();
        let batch = [([0.5f32], [1.0f32]), ([1.0], [0.0])];
        let m = net.update_mini_batch(
            batch.iter().map(|(x, y)| (x, y)),
            Step::new(2.0),
            &mut nabla,
        );
        assert_eq!(m, Ok(2));
        let close = |got: f32, want: f64| (f64::from(got) - want).abs() < 1e-6;
        assert!(
            close(nabla.hidden.weights[0][0], 0.003_242_339_7),
            "{nabla:?}"
        );
        assert!(close(nabla.hidden.biases[0], 0.016_762_694_6), "{nabla:?}");
        assert!(
            close(nabla.output.weights[0][0], -0.014_322_133_6),
            "{nabla:?}"
        );
        assert!(close(nabla.output.biases[0], -0.039_641_571_3), "{nabla:?}");
        assert!(close(net.hidden.weights[0][0], 1.996_757_660_3), "{net:?}");
        assert!(close(net.hidden.biases[0], -0.016_762_694_6), "{net:?}");
        assert!(close(net.output.weights[0][0], -0.985_677_866_4), "{net:?}");
        assert!(close(net.output.biases[0], 0.539_641_571_3), "{net:?}");
    }

    #[test]
    fn u8_input_matches_scaled_f32_closely() {
        let net: Network<5, 3, 2> = Network::from_seed(3);
        let pixels = [0u8, 255, 128, 7, 64];
        let floats = pixels.map(|p| f32::from(p) / 255.0);
        let (a, b) = (net.feedforward(&pixels), net.feedforward(&floats));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn u8_input_past_the_lanes_matches_scaled_f32_closely_but_not_bit_for_bit() {
        // 37 inputs: four whole groups of eight lanes (the second all blank,
        // so the blank skip is taken) and a tail of five.
        let net: Network<37, 6, 3> = Network::from_seed(3);
        let pixels: [u8; 37] = core::array::from_fn(|k| {
            if (8..16).contains(&k) || k % 5 == 0 {
                0
            } else {
                (k * 29 % 256) as u8
            }
        });
        let floats = pixels.map(|p| f32::from(p) / 255.0);
        let (a, b) = (net.feedforward(&pixels), net.feedforward(&floats));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
        // The u8 path divides the sum by 255 once, after it; `p / 255`
        // inputs round each term first: the hidden sums differ in their
        // last bits (so the README promises bit-exactness between host and
        // device on u8 pixels, not with `p / 255` inputs).
        let mut zu = [0.0; 6];
        let mut zf = [0.0; 6];
        net.hidden.weighted_input(&pixels, &mut zu);
        net.hidden.weighted_input(&floats, &mut zf);
        assert_ne!(zu.map(f32::to_bits), zf.map(f32::to_bits));
        // Against the sum written out: lanes over the whole groups, pairwise,
        // the tail, then / 255 and the bias.
        for (j, z) in zu.iter().enumerate() {
            let w = &net.hidden.weights[j];
            let mut lanes = [0.0f32; 8];
            for k in 0..32 {
                lanes[k % 8] += w[k] * f32::from(pixels[k]);
            }
            let mut tail = 0.0f32;
            for k in 32..37 {
                tail += w[k] * f32::from(pixels[k]);
            }
            let sum = (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
                + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])))
                + tail;
            assert_eq!(z.to_bits(), (sum / 255.0 + net.hidden.biases[j]).to_bits());
        }
    }

    #[test]
    fn seeded_init_is_reproducible_and_seed_dependent() {
        let a: Network<4, 3, 2> = Network::from_seed(5);
        assert_eq!(a, Network::from_seed(5));
        assert_ne!(a, Network::from_seed(6));
        assert!(a.is_finite());
    }

    #[test]
    fn update_rejects_bad_eta_and_empty_batch_without_change() {
        let mut net: Network<2, 2, 2> = Network::from_seed(1);
        let before = net.clone();
        let mut nabla = Gradient::zeroed();
        let data = [([0.5f32, 0.5], 1usize)];
        for eta in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let r = net.update_mini_batch(
                data.iter().map(|(x, y)| (x, *y)),
                Step::new(eta),
                &mut nabla,
            );
            assert_eq!(r, Err(Error::InvalidEta));
        }
        let empty: [(&[f32; 2], usize); 0] = [];
        assert_eq!(
            net.update_mini_batch(empty, Step::new(1.0), &mut nabla),
            Err(Error::EmptyBatch)
        );
        let bad = [(&[0.5f32, 0.5], 2usize)];
        assert_eq!(
            net.update_mini_batch(bad, Step::new(1.0), &mut nabla),
            Err(Error::LabelOutOfRange {
                label: 2,
                classes: 2
            })
        );
        assert_eq!(net, before);
    }
}
