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
    use crate::kernels::Isa;

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
            // A 3 × 17 matrix whose column j holds j, 2j, 3j: sums 6j.
            let m: Vec<f32> = (0..51).map(|i| ((i / 17 + 1) * (i % 17)) as f32).collect();
            let mut sums = vec![f32::NAN; 17];
            column_sums(isa, &mut sums, &m, 17);
            assert!(sums.iter().enumerate().all(|(j, s)| *s == 6.0 * j as f32), "{sums:?} on {}", isa.name());
        }
    }
}
