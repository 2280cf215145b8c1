//! The MLP passes' element-wise loops: an activation, its derivative, and a bias's gradient
//! (column sums), each compiled per instruction set.

use super::per_isa;

/// An activation, as the kernels see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Nonlinearity {
    /// max(x, 0).
    Relu,
    /// x for x > 0, else slope·x.
    LeakyRelu(f32),
    /// tanh x (libm's, a call per number: no wider version gains).
    Tanh,
}

per_isa! {
    /// Applies `f` in place.
    pub fn activate(f: Nonlinearity, xs: &mut [f32]) = activate_lanes;
}

per_isa! {
    /// Adds `bias` to every row of the row-major `out` (rows of `bias.len()`), then applies `f`
    /// if there is one: a layer's output after its matrix product, in one pass.
    pub fn add_bias_activate(f: Option<Nonlinearity>, out: &mut [f32], bias: &[f32]) = add_bias_activate_lanes;
}

per_isa! {
    /// Multiplies `grad` by f′, given f's outputs `act` (for all three, f′ is a function of
    /// the output).
    pub fn multiply_derivative(f: Nonlinearity, grad: &mut [f32], act: &[f32]) = derivative_lanes;
}

per_isa! {
    /// `sums[j] = Σ_r m[r][j]` for a row-major matrix of `cols` columns.
    pub fn column_sums(sums: &mut [f32], m: &[f32], cols: usize) = column_sums_lanes;
}

#[inline(always)]
fn activate_lanes(f: Nonlinearity, xs: &mut [f32]) {
    match f {
        Nonlinearity::Relu => xs.iter_mut().for_each(|x| *x = x.max(0.0)),
        Nonlinearity::LeakyRelu(slope) => xs.iter_mut().for_each(|x| *x = if *x > 0.0 { *x } else { *x * slope }),
        Nonlinearity::Tanh => xs.iter_mut().for_each(|x| *x = x.tanh()),
    }
}

#[inline(always)]
fn add_bias_activate_lanes(f: Option<Nonlinearity>, out: &mut [f32], bias: &[f32]) {
    let rows = out.chunks_exact_mut(bias.len().max(1));
    match f {
        None => rows.for_each(|r| r.iter_mut().zip(bias).for_each(|(x, b)| *x += b)),
        Some(Nonlinearity::Relu) => rows.for_each(|r| r.iter_mut().zip(bias).for_each(|(x, b)| *x = (*x + b).max(0.0))),
        Some(Nonlinearity::LeakyRelu(slope)) => rows.for_each(|r| {
            r.iter_mut().zip(bias).for_each(|(x, b)| {
                let y = *x + b;
                *x = if y > 0.0 { y } else { y * slope };
            })
        }),
        Some(Nonlinearity::Tanh) => rows.for_each(|r| r.iter_mut().zip(bias).for_each(|(x, b)| *x = (*x + b).tanh())),
    }
}

#[inline(always)]
fn derivative_lanes(f: Nonlinearity, grad: &mut [f32], act: &[f32]) {
    match f {
        Nonlinearity::Relu => grad.iter_mut().zip(act).for_each(|(g, a)| *g = if *a > 0.0 { *g } else { 0.0 }),
        Nonlinearity::LeakyRelu(slope) => {
            grad.iter_mut().zip(act).for_each(|(g, a)| *g = if *a > 0.0 { *g } else { *g * slope })
        }
        Nonlinearity::Tanh => grad.iter_mut().zip(act).for_each(|(g, a)| *g *= 1.0 - a * a),
    }
}

#[inline(always)]
fn column_sums_lanes(sums: &mut [f32], m: &[f32], cols: usize) {
    sums.fill(0.0);
    for row in m.chunks_exact(cols) {
        sums.iter_mut().zip(row).for_each(|(s, x)| *s += x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::kernels::Isa;

    #[test]
    fn every_version_matches_the_definitions() {
        eprintln!("versions run: {:?}", Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>());
        let xs: Vec<f32> = (0..53).map(|i| (i as f32 - 26.0) / 7.0).collect();
        let grad: Vec<f32> = (0..53).map(|i| ((i * 13) % 7) as f32 - 3.0).collect();
        for isa in Isa::available() {
            for f in [Nonlinearity::Relu, Nonlinearity::LeakyRelu(0.2), Nonlinearity::Tanh] {
                let value = |x: f32| match f {
                    Nonlinearity::Relu => x.max(0.0),
                    Nonlinearity::LeakyRelu(s) => {
                        if x > 0.0 {
                            x
                        } else {
                            s * x
                        }
                    }
                    Nonlinearity::Tanh => x.tanh(),
                };
                let slope = |y: f32| match f {
                    Nonlinearity::Relu => {
                        if y > 0.0 {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    Nonlinearity::LeakyRelu(s) => {
                        if y > 0.0 {
                            1.0
                        } else {
                            s
                        }
                    }
                    Nonlinearity::Tanh => 1.0 - y * y,
                };
                let mut ys = xs.clone();
                activate(isa, f, &mut ys);
                assert!(ys.iter().zip(&xs).all(|(y, x)| *y == value(*x)), "{f:?} on {}", isa.name());
                let mut g = grad.clone();
                multiply_derivative(isa, f, &mut g, &ys);
                assert!(
                    g.iter().zip(&grad).zip(&ys).all(|((g, g0), y)| *g == g0 * slope(*y)),
                    "{f:?}′ on {}",
                    isa.name()
                );
            }
            let bias: Vec<f32> = (0..53).map(|j| (j as f32 - 20.0) / 9.0).collect();
            for f in [None, Some(Nonlinearity::Relu), Some(Nonlinearity::LeakyRelu(0.2)), Some(Nonlinearity::Tanh)] {
                // Two rows of 53: each gets the bias, then f.
                let mut out: Vec<f32> = xs.iter().chain(&xs).copied().collect();
                add_bias_activate(isa, f, &mut out, &bias);
                let mut want: Vec<f32> = xs.iter().zip(&bias).map(|(x, b)| x + b).collect();
                if let Some(f) = f {
                    activate(Isa::PORTABLE, f, &mut want);
                }
                assert_eq!(out[..53], want[..], "{f:?} on {}", isa.name());
                assert_eq!(out[53..], want[..], "{f:?} on {}, second row", isa.name());
            }
            // A 3 × 17 matrix whose column j holds j, 2j, 3j: sums 6j.
            let m: Vec<f32> = (0..51).map(|i| ((i / 17 + 1) * (i % 17)) as f32).collect();
            let mut sums = vec![f32::NAN; 17];
            column_sums(isa, &mut sums, &m, 17);
            assert!(sums.iter().enumerate().all(|(j, s)| *s == 6.0 * j as f32), "{sums:?} on {}", isa.name());
        }
    }
}
