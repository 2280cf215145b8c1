//! "What am I looking at?": a short text per lab (the sheet's task it shows, what each plot
//! is, the keys, and one thing to try), and the collapsible panel that shows it above the lab.
//!
//! All the text lives here, one [`Help`] per [`Tab`]. A new lab adds its entry to [`help`]
//! (the match is exhaustive, so a new tab does not compile without one); the two labs planned
//! next, a Dirac-GAN dynamics lab (sheet task 4.2: the game's gradient field on (θ, ψ)) and a
//! GAN on images, get theirs the same way.

use eframe::egui::{self, RichText};

use super::Tab;

/// One lab's "What am I looking at?" text.
#[derive(Clone, Copy, Debug)]
pub struct Help {
    /// The sheet's tasks the lab shows, and how.
    pub task: &'static str,
    /// Each plot or panel: its name as the lab shows it, and what it is.
    pub plots: &'static [(&'static str, &'static str)],
    /// The lab's keys.
    pub keys: &'static str,
    /// One thing to try, without the leading "Try: ".
    pub try_this: &'static str,
}

/// The header of the panel (the button that opens it, in the window's top bar).
pub const HEADER: &str = "What am I looking at?";

/// The keys of every lab with a Play button.
const PLAY_KEYS: &str = "Space plays or pauses training; R resets the run (new weights from the seed). \
                         Neither works while a text field has the keyboard.";

/// The text for `tab`'s lab.
pub fn help(tab: Tab) -> Help {
    match tab {
        Tab::Gan => Help {
            task: "Sheet tasks 3.1 and 4.2–4.4 on 2-D data. A generator G maps noise z to points in the plane; a \
                   discriminator D (a critic, for the Wasserstein losses) scores points as real or generated. \
                   The objectives are the sheet's minimax loss (task 3), the non-saturating, least-squares and \
                   hinge losses, and the Wasserstein GAN with weight clipping or a gradient penalty: two ways to \
                   keep the critic Lipschitz (task 4.4).",
            plots: &[
                (
                    "The data plane",
                    "real samples (green) and generated ones (purple) over D's heatmap (green where D says \
                     real, purple where it says generated). Arrows: −∇ of the generator's loss, the way each \
                     generated point is pushed. Rings: the modes' centres, red where a mode is missed. The \
                     checkboxes under the plane show or hide each layer.",
                ),
                (
                    "Mode coverage",
                    "how many of the data's modes the generated samples reach, with a bar per mode \
                     (task 4.3: mode collapse shows as modes missed).",
                ),
                (
                    "Curves",
                    "D's and G's losses; mean D(real) and mean D(generated); the mean gradient norm at the \
                     generated points (near 0: G gets no signal, task 4.2); the JS estimate against log 2 \
                     (task 3.3).",
                ),
            ],
            keys: PLAY_KEYS,
            try_this: "with the Ring of 8 Gaussians, pick Minimax (saturating), press Reset, then Play: watch \
                       whether the generated points cover all 8 modes or crowd onto a few (mode collapse, task \
                       4.3). Then try Wasserstein, gradient penalty.",
        },
        Tab::AeVae => Help {
            task: "Sheet tasks 1 and 2 on MNIST digits. An autoencoder (AE) and a variational autoencoder (VAE) \
                   of the same shape train side by side on the same minibatches. The AE minimises the \
                   reconstruction error (task 1.1); the VAE minimises reconstruction + β·KL(q(z|x) ‖ p(z)), the \
                   negative ELBO when β = 1 (tasks 1.2 and 2.2).",
            plots: &[
                (
                    "The two latent plots",
                    "the test images encoded by each model (the VAE's posterior means μ), coloured by digit, \
                     with the prior N(0, I) as circles at 1σ, 2σ, 3σ. Hover to decode the point under the \
                     mouse with both decoders; click two points to see an interpolation.",
                ),
                (
                    "Manifold grids and Prior samples",
                    "decodings of a grid of the prior's quantiles, and of 64 draws z ~ N(0, I). The VAE is \
                     trained so that its codes follow p(z), so its prior samples should look like digits; \
                     the AE's need not (task 1.3).",
                ),
                (
                    "Reconstructions and interpolation, and Curves",
                    "test images and both models' reconstructions; the loss terms over steps.",
                ),
                (
                    "ELBO, nats per image",
                    "the minibatch's reconstruction and KL terms, the test set's, and log p(x) estimated by \
                     importance sampling: the gap to the ELBO is KL(q(z|x) ‖ p(z|x)) ≥ 0 (task 2.1).",
                ),
            ],
            keys: PLAY_KEYS,
            try_this: "drag the KL weight β to 0 (task 1.4) and watch, under Prior samples, the VAE's prior \
                       samples stop looking like digits, like the AE's; β = 1 brings them back.",
        },
        Tab::OptimalD => Help {
            task: "Sheet task 3 in one dimension. For a fixed generator the best discriminator is \
                   D*(x) = p_data(x) / (p_data(x) + p_g(x)) (task 3.2), and with it the value of the game is \
                   C(G) = −log 4 + 2·JSD(p_data ‖ p_g) (task 3.3). D's loss is a binary cross-entropy \
                   (task 3.1).",
            plots: &[
                (
                    "Densities, D(x) and D*(x)",
                    "p_data and p_g, the dashed D*(x) computed from them, and the trained D(x); drag a mode's \
                     centre to move p_data.",
                ),
                ("Histograms", "5000 real and 5000 generated samples, as densities."),
                (
                    "D against D*",
                    "sup |D − D*|, the value of the game V(D, G) beside C(G) computed two ways, D's loss as a \
                     cross-entropy, and their curves over steps.",
                ),
            ],
            keys: PLAY_KEYS,
            try_this: "switch on Freeze G, train D and press Play: the trained D(x) settles onto the dashed \
                       D*(x) and sup |D − D*| falls (task 3.2).",
        },
        Tab::JsW1 => Help {
            task: "Sheet task 4.1 and its consequences (4.2, 4.4). Two vertical lines: μ0, the points (0, Y), \
                   and μθ, the points (θ, Y), with Y ~ U[0, 1]. For θ ≠ 0 they do not overlap: JS(μ0, μθ) = \
                   log 2 whatever θ is, while W1(μ0, μθ) = |θ|.",
            plots: &[
                ("The lines", "samples of μ0 (green) and μθ (purple) in the plane."),
                (
                    "Divergences as functions of θ",
                    "JS, W1, TV in closed form, and KL, infinite for every θ ≠ 0; the marker is the θ of the \
                     slider.",
                ),
                (
                    "At θ",
                    "each closed form beside the estimate of a trained discriminator (JS) and of a trained \
                     critic (W1), and the estimate's derivative in θ.",
                ),
                (
                    "The race",
                    "θ moved by gradient descent against the GAN discriminator and against the Wasserstein \
                     critic (task 4.2).",
                ),
            ],
            keys: "← and → move θ by 0.05. This lab has no Play button: its discriminator and critic train \
                   while the tab is shown.",
            try_this: "press Start race: θ under the Wasserstein critic walks to 0, while under the GAN \
                       discriminator it barely moves, since D's gradient in θ vanishes once the lines are apart \
                       (task 4.2).",
        },
    }
}

fn open_id(tab: Tab) -> egui::Id {
    egui::Id::unique(("help-open", tab.name()))
}

/// Whether the help of `tab`'s lab is open (closed until the user opens it).
pub fn is_open(ctx: &egui::Context, tab: Tab) -> bool {
    ctx.data_mut(|d| *d.get_persisted_mut_or_default::<bool>(open_id(tab)))
}

/// The button that opens and closes the help of `tab`'s lab (for the window's top bar).
pub fn toggle(ui: &mut egui::Ui, tab: Tab) {
    let mut open = is_open(ui.ctx(), tab);
    if ui
        .toggle_value(&mut open, HEADER)
        .on_hover_text("What this lab shows, which task of the sheet it is, its keys, and one thing to try.")
        .changed()
    {
        ui.ctx().data_mut(|d| d.insert_persisted(open_id(tab), open));
    }
}

/// The help of `tab`'s lab as a panel across the top of the lab, while it is open.
pub fn panel(ui: &mut egui::Ui, tab: Tab) {
    if !is_open(ui.ctx(), tab) {
        return;
    }
    let text = help(tab);
    // Not resizable: the panel is as tall as its text, which wraps to the window's width.
    egui::Panel::top(egui::Id::unique(("help-panel", tab.name()))).resizable(false).show(ui, |ui| {
        ui.label(RichText::new(text.task).strong());
        for (name, what) in text.plots {
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 0.0;
                ui.label(RichText::new(format!("{name}: ")).strong());
                ui.label(*what);
            });
        }
        ui.label(format!("Keys: {}", text.keys));
        ui.label(RichText::new(format!("Try: {}", text.try_this)).strong());
    });
}
