//! The GAN lab's evaluation: metrics on the fixed evaluation sets, the heatmap, the manifold and the snapshot.

use super::*;

impl GanTrainer {
    /// Generates `n` points from fresh noise (for `samples.csv`).
    pub fn generate(&mut self, n: usize) -> Result<Vec<Point2>, TrainError> {
        let mut z = Vec::new();
        fill_noise(&mut z, self.config.noise, n * self.config.noise_dim, &mut self.rng);
        Ok(to_points(&self.run_g(&z, n)?))
    }

    /// The generator applied to the fixed evaluation noise.
    pub fn eval_fakes(&mut self) -> Result<Vec<Point2>, TrainError> {
        let noise = Arc::clone(&self.noise_eval);
        Ok(to_points(&self.run_g(&noise, COVERAGE_SAMPLES)?))
    }

    /// Computes the evaluation metrics, records them in the histories and returns them with
    /// the generated evaluation points.
    pub fn evaluate(&mut self) -> Result<(EvalMetrics, Vec<Point2>), TrainError> {
        let fake = self.eval_fakes()?;
        // An update can leave non-finite weights that no loss has seen yet: never measure or
        // draw them.
        if fake.iter().any(|p| !(p[0].is_finite() && p[1].is_finite())) {
            return Err(self.diverged("the generator's weights became non-finite".to_owned()));
        }
        if let Some(why) = self.runaway.check(self.g_steps, &fake, self.config.data.view_bounds()) {
            return Err(self.diverged(why));
        }
        let real_flat: Vec<f32> = self.real_eval.iter().flatten().copied().collect();
        let out_real = self.run_d(&real_flat, self.real_eval.len())?;
        let (per_point_grad, out_fake) = self.generator_loss_gradient(&fake)?;
        let loss = self.config.loss;
        let d_real = mean_output_of(loss, &out_real);
        let d_fake = mean_output_of(loss, &out_fake);
        let js_from_d = loss.outputs_probability().then(|| js_through_discriminator(&out_real, &out_fake));
        let grad_norm = per_point_grad.iter().map(|g| f64::from(g[0].hypot(g[1]))).sum::<f64>()
            / per_point_grad.len().max(1) as f64;
        let [min, max] = self.config.data.view_bounds();
        let js_grid = js_histogram_2d(&self.real_eval, &fake, &Grid2 { min, max, bins: JS_GRID_BINS });
        let coverage = self.config.data.modes().map(|m| mode_coverage(&fake, &m.centres, m.sigma, COVERAGE_MIN_COUNT));
        // The Lipschitz estimate: max ‖∇ₓD‖ over real points, generated points and random
        // interpolates between them.
        let mut eval_rng = StdRng::seed_from_u64(self.config.seed ^ self.g_steps);
        let mut points = real_flat;
        points.extend(fake.iter().flatten());
        for (r, f) in self.real_eval.iter().zip(&fake) {
            let a = eval_rng.random_range(0.0f32..1.0);
            points.extend([a * r[0] + (1.0 - a) * f[0], a * r[1] + (1.0 - a) * f[1]]);
        }
        let rows = points.len() / 2;
        let (_, grads) = self.run_d_grad(&points, rows, |_| 1.0)?;
        let lipschitz = lipschitz_estimate_rows(&grads, 2);
        let metrics = EvalMetrics { d_real, d_fake, js_grid, js_from_d, grad_norm, coverage, lipschitz };
        self.record(&metrics);
        Ok((metrics, fake))
    }

    /// Records the metrics at the current step; an evaluation at a step already recorded
    /// replaces that one (no vertical segment at a step).
    pub(super) fn record(&mut self, m: &EvalMetrics) {
        let step = self.g_steps as f64;
        let h = &mut self.history;
        h.d_real.record(step, m.d_real);
        h.d_fake.record(step, m.d_fake);
        h.grad_norm.record(step, m.grad_norm);
        h.js_grid.record(step, m.js_grid);
        if let Some(js) = m.js_from_d {
            h.js_from_d.record(step, js);
        }
        if let Some(c) = &m.coverage {
            h.modes_covered.record(step, c.modes_covered as f64);
            h.high_quality.record(step, c.high_quality_fraction);
        }
    }

    /// ∇ₓ of the generator's per-sample loss at the given points (D fixed), and D's output
    /// there. The negative of each row is where that point is pushed.
    pub fn generator_loss_gradient(&mut self, points: &[Point2]) -> Result<(Vec<Point2>, Vec<f32>), TrainError> {
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let term = g_term(self.config.loss);
        let (out, grad) = self.run_d_grad(&flat, points.len(), move |l| term(l).1)?;
        Ok((to_points(&grad), out))
    }

    /// D over a `cells × cells` grid on the view box, as probabilities or raw scores.
    pub fn heat_grid(&mut self, cells: usize) -> Result<HeatGrid, TrainError> {
        let [lo, hi] = self.config.data.view_bounds();
        let mut pts = Vec::with_capacity(2 * cells * cells);
        for r in 0..cells {
            let y = lo[1] + (hi[1] - lo[1]) * (r as f32 + 0.5) / cells as f32;
            for c in 0..cells {
                let x = lo[0] + (hi[0] - lo[0]) * (c as f32 + 0.5) / cells as f32;
                pts.extend([x, y]);
            }
        }
        let mut values = self.run_d(&pts, cells * cells)?;
        let probability = self.config.loss.outputs_probability();
        if probability {
            values.iter_mut().for_each(|v| *v = sigmoid(*v));
        }
        let (low, high) = if probability {
            (0.0, 1.0)
        } else if self.config.loss.is_critic() {
            // A critic's score is defined up to a constant: the diverging map spans its range
            // over the plane, its middle colour at the middle of that range.
            let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi.max(lo + 1e-6))
        } else {
            let lo = values.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
            let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max).max(1.0);
            (lo, hi)
        };
        Ok(HeatGrid { values, cols: cells, rows: cells, low, high })
    }

    /// The noise grid pushed through G: grid lines for 2-D noise, the curve G(z) for 1-D
    /// noise, a 2-D slice (other coordinates 0) for more.
    pub fn manifold(&mut self) -> Result<(Vec<Vec<Point2>>, String), TrainError> {
        const LINES: usize = 17;
        const POINTS: usize = 48;
        let (a, b) = self.config.noise.grid_range();
        let at = |i: usize, n: usize| a + (b - a) * i as f32 / (n - 1) as f32;
        let k = self.config.noise_dim;
        let mut zs: Vec<f32> = Vec::new();
        let mut lines = 0;
        if k == 1 {
            for j in 0..POINTS * 4 {
                zs.push(at(j, POINTS * 4));
            }
            lines = 1;
        } else {
            for dir in 0..2 {
                for i in 0..LINES {
                    for j in 0..POINTS {
                        let (u, v) =
                            if dir == 0 { (at(i, LINES), at(j, POINTS)) } else { (at(j, POINTS), at(i, LINES)) };
                        let mut z = vec![0.0; k];
                        z[0] = u;
                        z[1] = v;
                        zs.extend(z);
                    }
                    lines += 1;
                }
            }
        }
        let n = zs.len() / k;
        let out = to_points(&self.run_g(&zs, n)?);
        let per_line = n / lines;
        let polylines = out.chunks(per_line).map(<[Point2]>::to_vec).collect();
        let note = match k {
            1 => format!("G(z) for z in [{a}, {b}]"),
            2 => format!("G of the grid [{a}, {b}]²"),
            _ => format!("G of the grid [{a}, {b}]² in (z₁, z₂), z₃… = 0"),
        };
        Ok((polylines, note))
    }

    /// Builds the full snapshot the panels draw.
    pub fn build_snapshot(&mut self) -> Result<GanSnapshot, TrainError> {
        let (metrics, fake) = self.evaluate()?;
        let arrow_n = ARROW_POINTS.min(fake.len());
        let (grads, _) = self.generator_loss_gradient(&fake[..arrow_n])?;
        let arrows = fake[..arrow_n].iter().zip(grads).map(|(p, g)| (*p, [-g[0], -g[1]])).collect();
        let (manifold, manifold_note) = self.manifold()?;
        Ok(GanSnapshot {
            iterations: self.g_steps,
            d_steps: self.d_steps,
            g_steps: self.g_steps,
            config: self.config.clone(),
            bounds: self.config.data.view_bounds(),
            real: Arc::clone(&self.real_eval),
            fake,
            arrows,
            heat: self.heat_grid(HEAT_CELLS)?,
            manifold,
            manifold_note,
            modes: self.config.data.modes(),
            metrics,
            last: self.last,
            history: self.history.clone(),
        })
    }
}
