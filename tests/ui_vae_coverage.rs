//! What the README claims of the AE vs VAE lab's latent plots, through egui_kittest with a
//! real trainer behind them: pins and the interpolation strip, the right-click posterior
//! panel, and the PCA plane for K > 2.

use eframe::egui::{self, PointerButton, Role};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use latent_lab::theory::gaussian::kl_diag_to_std_normal;
use latent_lab::train::vae::VaeCommand;
use latent_lab::train::worker::Control;
use latent_lab::ui::vae::{Hover, Model};
use latent_lab::ui::App;

mod common;
use common::step_until;
use common::Labs as _;
use latent_lab::ui::lab::TrainerView as _;

/// The app with the AE vs VAE tab shown and its first snapshot in.
fn harness() -> Harness<'static, App> {
    let mut h = common::harness();
    h.get_by_label("AE vs VAE").click();
    step_until(&mut h, "first VAE snapshot", |a| a.vae().snapshot().is_some());
    h
}

/// Exactly `n` training steps (commands, not play), so that the snapshot then stays put.
fn train(h: &mut Harness<'static, App>, n: u64) {
    for _ in 0..n {
        h.state_mut().vae_mut().send(Control::Lab(VaeCommand::Step));
    }
    step_until(h, "the training steps", |a| a.vae().snapshot().is_some_and(|s| s.steps == n));
    h.run_steps(2);
}

/// A point of the VAE scatter, as fractions of its size from the centre (y down).
fn at(h: &Harness<'static, App>, dx: f32, dy: f32) -> egui::Pos2 {
    let rect = h.state().vae().scatter_rect(Model::Vae).expect("the VAE scatter is drawn");
    rect.center() + egui::vec2(dx * rect.width(), dy * rect.height())
}

/// Hovers `pos` and returns what "Under the mouse" decodes there.
fn hover(h: &mut Harness<'static, App>, pos: egui::Pos2) -> Hover {
    h.hover_at(pos);
    h.run_steps(2);
    let hover = h.state().vae().hover().expect("hovering decodes").clone();
    assert_eq!(hover.model, Model::Vae);
    hover
}

fn click(h: &mut Harness<'static, App>, pos: egui::Pos2, button: PointerButton) {
    h.hover_at(pos);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton { pos, button, pressed, modifiers: egui::Modifiers::NONE });
    }
    h.run_steps(2);
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

/// The texts of the labels that satisfy `pred` (AccessKit keeps a label's text in its value).
fn labels(h: &Harness<'static, App>, pred: impl Fn(&str) -> bool + 'static) -> Vec<String> {
    h.query_all_by_role(Role::Label).filter_map(|n| n.value()).filter(|t| pred(t)).collect()
}

/// The text of the only label that starts with `prefix`.
fn label_starting(h: &Harness<'static, App>, prefix: &str) -> String {
    let owned = prefix.to_owned();
    let mut found = labels(h, move |t| t.starts_with(&owned));
    assert_eq!(found.len(), 1, "labels starting with {prefix:?}: {found:?}");
    found.pop().unwrap()
}

/// Each click on a latent plot pins the point under it; two pins give the interpolation
/// strip: 10 decodings per model from the first pin to the second (the ends are what
/// "Under the mouse" showed there), each different from its neighbour. A third click drops
/// the oldest pin.
#[test]
fn two_clicks_pin_two_points_and_give_an_interpolation_strip() {
    let mut h = harness();
    train(&mut h, 200);
    h.get_by_label("Reconstructions and interpolation").click();
    h.run_steps(2);
    let hint = "Click two points on a latent plot to see the interpolation between them.";
    h.get_by_label(hint);
    assert!(h.state().vae().pins().is_empty());

    let (a, b, c) = (at(&h, -0.3, -0.3), at(&h, 0.3, 0.25), at(&h, 0.1, -0.35));
    let at_a = hover(&mut h, a);
    click(&mut h, a, PointerButton::Primary);
    assert_eq!(h.state().vae().pins(), std::slice::from_ref(&at_a.z));
    h.get_by_label(hint);
    assert!(h.state().vae().interpolation().is_none(), "one pin is no strip");

    let at_b = hover(&mut h, b);
    click(&mut h, b, PointerButton::Primary);
    assert_eq!(h.state().vae().pins(), [at_a.z.clone(), at_b.z.clone()]);
    assert!(h.query_by_label(hint).is_none());
    h.get_by_label("Interpolation between the two pinned points");

    let snap = h.state().vae().snapshot().unwrap().clone();
    let dim = snap.width * snap.height;
    let [ae, vae] = h.state().vae().interpolation().expect("two pins give a strip");
    for (name, strip, first, last) in
        [("AE", &ae, &at_a.ae_image, &at_b.ae_image), ("VAE", &vae, &at_a.vae_image, &at_b.vae_image)]
    {
        assert_eq!(strip.len(), 10 * dim, "{name}: 10 images");
        let images: Vec<&[f32]> = strip.chunks(dim).collect();
        assert!(images[0] == first.as_slice(), "{name}: the strip starts at the first pin");
        assert!(images[9] == last.as_slice(), "{name}: and ends at the second");
        for (i, pair) in images.windows(2).enumerate() {
            assert!(pair[0] != pair[1], "{name}: images {i} and {} are the same", i + 1);
        }
        assert!(strip.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    // Both strips are on screen: a 10-image mosaic texture per model.
    let side = [10 * (snap.width + 1) + 1, snap.height + 2];
    let strips =
        h.ctx.tex_manager().read().allocated().filter(|(_, m)| m.name == "vae-strip" && m.size == side).count();
    assert_eq!(strips, 2);

    let at_c = hover(&mut h, c);
    click(&mut h, c, PointerButton::Primary);
    assert_eq!(h.state().vae().pins(), [at_b.z, at_c.z], "a third pin replaces the oldest");
    let [_, vae_bc] = h.state().vae().interpolation().unwrap();
    assert!(vae_bc != vae, "a new strip");
}

/// A right-click on the VAE plot picks the nearest test image for the posterior panel, which
/// then shows that image's digit, μ and σ, the closed-form KL, and a Monte-Carlo estimate of
/// the same KL that agrees with it within a few standard errors.
#[test]
fn a_right_click_picks_the_nearest_test_image_for_the_posterior_panel() {
    let mut h = harness();
    train(&mut h, 200);
    let snap = h.state().vae().snapshot().unwrap().clone();
    assert!(snap.eval.is_some(), "the numbers panel, with the posterior at its foot, is shown");
    let view = &snap.vae_latents;
    let fmt = |v: &[f32]| v.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(", ");
    let shown = |h: &Harness<'static, App>| (label_starting(h, "μ = ("), label_starting(h, "σ = ("));
    let posterior = |i: usize| {
        let (mu, logvar) = (&view.codes[2 * i..2 * i + 2], &view.logvar[2 * i..2 * i + 2]);
        let sigma: Vec<f32> = logvar.iter().map(|l| (0.5 * l).exp()).collect();
        ((format!("μ = ({})", fmt(mu)), format!("σ = ({})", fmt(&sigma))), kl_diag_to_std_normal(mu, logvar))
    };
    let (first, _) = posterior(0);
    assert_eq!(shown(&h), first, "image 0 is shown at first");
    let mc_before = mc_value(&h);

    // A point whose nearest test image is not image 0.
    let (pos, picked) = [(0.2, 0.1), (-0.2, 0.15), (0.1, -0.25), (-0.15, -0.1)]
        .into_iter()
        .map(|(dx, dy)| {
            let pos = at(&h, dx, dy);
            let z = hover(&mut h, pos).z;
            let d2 = |p: &[f32; 2]| (p[0] - z[0]).powi(2) + (p[1] - z[1]).powi(2);
            let nearest = (0..view.points.len()).min_by(|&i, &j| d2(&view.points[i]).total_cmp(&d2(&view.points[j])));
            (pos, nearest.unwrap())
        })
        .find(|(_, i)| *i != 0)
        .expect("some point is nearest to another image");
    click(&mut h, pos, PointerButton::Secondary);
    assert!(h.state().vae().pins().is_empty(), "a right-click does not pin");

    assert_eq!(h.get_by_label("test image").accesskit_node().numeric_value(), Some(picked as f64));
    h.get_by_label(&format!("(digit {})", snap.labels[picked]));
    let (want, kl) = posterior(picked);
    assert_eq!(shown(&h), want);
    assert!(h.query_all_by_label(&format!("{kl:.4}")).next().is_some(), "closed-form KL {kl:.4} shown");
    h.get_by_label("KL(q ‖ p(z)), closed form (task 2.7)");
    assert_eq!(label_starting(&h, "Monte Carlo, "), "Monte Carlo, 2000 samples");
    let mc = mc_value(&h);
    assert_ne!(mc, mc_before, "the estimate is the picked image's");
    let (mean, se) = mc.split_once(" ± ").map(|(m, s)| (m.parse::<f64>().unwrap(), s.parse::<f64>().unwrap())).unwrap();
    assert!(se > 0.0 && (mean - kl).abs() <= 4.0 * se + 1e-3, "MC {mean} ± {se} against closed form {kl}");
}

/// The Monte-Carlo KL estimate as shown, "mean ± standard error".
fn mc_value(h: &Harness<'static, App>) -> String {
    let mut found = labels(h, |t| t.contains(" ± ") && t.split(" ± ").all(|x| x.parse::<f64>().is_ok()));
    assert_eq!(found.len(), 1, "{found:?}");
    found.pop().unwrap()
}

/// With K = 3 each scatter shows its codes projected on their two principal axes, says so with
/// the share of variance those axes hold, and a pointed point decodes a K-vector lying on that
/// plane, whose coordinates follow the pointer.
#[test]
fn latent_dimension_three_shows_the_pca_plane_and_its_share_of_variance() {
    let mut h = harness();
    h.get_by_label("VAE: latent z, test images");
    h.get_by_label("AE: latent z, test images");
    assert!(h.query_by_label_contains("PCA of the encoded test set").is_none());

    h.get_by_role_and_label(Role::Slider, "latent dimension K *").set_value_accesskit(3.0);
    step_until(&mut h, "a K = 3 run", |a| a.vae().snapshot().is_some_and(|s| s.config.latent_dim == 3));
    h.run_steps(2);
    let snap = h.state().vae().snapshot().unwrap().clone();
    assert!(h.query_by_label_contains("latent z, test images").is_none());
    for (name, view) in [("AE", &snap.ae_latents), ("VAE", &snap.vae_latents)] {
        let proj = view.projection.as_ref().expect("K = 3 has a PCA projection");
        let share = proj.explained();
        assert!(share > 0.0 && share < 1.0, "{name}: two of three axes hold part of the variance: {share}");
        h.get_by_label(&format!("{name}: PCA of the encoded test set ({:.0} % of variance)", 100.0 * share));
        assert_eq!(view.points.len() * 3, view.codes.len());
        for (i, p) in view.points.iter().enumerate() {
            let q = proj.project(&view.codes[3 * i..3 * i + 3]);
            assert!(close(p, &q, 1e-4), "{name}: point {i} is drawn at {p:?}, its projection is {q:?}");
        }
    }
    h.get_by_label(
        "15×15 decodings at the prior's quantiles Φ⁻¹((i + ½)/15) along the two PCA axes of each model's scatter.",
    );

    let proj = snap.vae_latents.projection.clone().unwrap();
    let [centre, right, up] = [(0.0, 0.0), (0.25, 0.0), (0.0, -0.25)].map(|(dx, dy)| {
        let pos = at(&h, dx, dy);
        hover(&mut h, pos)
    });
    for z in [&centre.z, &right.z, &up.z] {
        assert_eq!(z.len(), 3);
        assert!(close(&proj.unproject(proj.project(z)), z, 1e-4), "{z:?} lies on the PCA plane");
    }
    let [c, r, u] = [proj.project(&centre.z), proj.project(&right.z), proj.project(&up.z)];
    assert!(r[0] > c[0] + 0.1 && (r[1] - c[1]).abs() < 1e-3, "right moves along the first axis: {c:?} → {r:?}");
    assert!(u[1] > c[1] + 0.1 && (u[0] - c[0]).abs() < 1e-3, "up moves along the second axis: {c:?} → {u:?}");
    assert!(right.vae_image != centre.vae_image, "another point, another image");
}
