//! The GAN lab's settings panel: data, objective, networks, optimisers.

use super::*;

impl GanView {
    pub(super) fn settings_ui(&mut self, ui: &mut egui::Ui) {
        let mut c = self.config().clone();
        ui.heading("Data");
        let mut choice = DataChoice::of(&c.data);
        for option in DataChoice::ALL {
            if ui.radio_value(&mut choice, option, option.label()).clicked() {
                match option {
                    DataChoice::Ring8 => c.data = Toy2d::ring8(),
                    DataChoice::Grid25 => c.data = Toy2d::grid25(),
                    DataChoice::Spiral => c.data = Toy2d::spiral(),
                    DataChoice::Moons => c.data = Toy2d::moons(),
                    DataChoice::Gaussian => c.data = Toy2d::gaussian(),
                    DataChoice::Drawn => self.drawing.active = true,
                    DataChoice::Csv => self.browser.open_in(&std::env::current_dir().unwrap_or_default()),
                }
                if option != DataChoice::Csv {
                    // Another choice wins over a CSV file still being read.
                    self.csv = None;
                }
            }
        }
        if let Some(load) = &self.csv {
            waiting_ui(ui, load.points.what());
        }
        match &mut c.data {
            Toy2d::Ring8 { sigma, .. } | Toy2d::Grid25 { sigma, .. } => {
                ui.add(egui::Slider::new(sigma, 0.005..=0.5).logarithmic(true).text("σ of each mode *"))
                    .on_hover_text("The spread of each Gaussian mode of the data: small σ gives sharp, well-separated modes. Changing it restarts the run.");
            }
            _ => {}
        }
        if self.drawing.active || DataChoice::of(&c.data) == DataChoice::Drawn {
            ui.group(|ui| {
                ui.checkbox(&mut self.drawing.active, "Draw on the plane");
                ui.label(format!("{} points drawn (drag on the plane)", self.drawing.points.len()));
                ui.horizontal(|ui| {
                    if ui.button("Clear").clicked() {
                        self.drawing.points.clear();
                    }
                    let ready = self.drawing.points.len() >= 2;
                    if ui.add_enabled(ready, egui::Button::new("Train on these")).clicked() {
                        let n = self.drawing.points.len();
                        c.data = Toy2d::Points {
                            name: format!("Drawn points ({n})"),
                            points: self.drawing.points.clone(),
                            jitter: 0.05,
                        };
                        self.drawing.active = false;
                    }
                });
            });
        }
        ui.separator();
        ui.heading("Objective");
        for loss in GanLoss::ALL {
            if ui.radio(c.loss == loss, loss.label()).on_hover_text(loss.formula()).clicked() && c.loss != loss {
                // Each objective comes with its customary optimisers and step ratio.
                loss.apply_defaults(&mut c);
            }
        }
        match c.loss {
            GanLoss::WganClip => {
                ui.add(egui::Slider::new(&mut c.clip, 0.001..=1.0).logarithmic(true).text("clip c"))
                    .on_hover_text("After each step the critic's weights are clipped to [−c, c]: a smaller c makes a smoother, weaker critic.");
            }
            GanLoss::WganGp => {
                ui.add(egui::Slider::new(&mut c.gp_lambda, 0.0..=100.0).text("penalty λ")).on_hover_text(
                    "Weight of the gradient penalty λ·E(‖∇f(x̂)‖ − 1)²: larger holds the critic's slope nearer 1.",
                );
            }
            _ => {}
        }
        ui.checkbox(&mut c.spectral_norm, "spectral normalisation of D *")
            .on_hover_text("Each of D's weight matrices divided by its largest singular value (one power iteration per step, persistent vectors): D is then at most 1-Lipschitz.");
        ui.separator();
        ui.heading("Training");
        ui.add(egui::Slider::new(&mut c.d_steps, limits::D_STEPS).text("D steps per G step")).on_hover_text(
            "How many discriminator steps come before each generator step: more lets D catch up with G.",
        );
        ui.add(egui::Slider::new(&mut c.batch, 8..=1024).logarithmic(true).text("batch size"))
            .on_hover_text("Real and generated samples per step: larger gives steadier but slower steps.");
        ui.horizontal(|ui| {
            let label = ui.label("Seed *");
            ui.add(egui::DragValue::new(&mut c.seed)).labelled_by(label.id);
        });
        ui.separator();
        egui::CollapsingHeader::new("Generator").default_open(true).show(ui, |ui| {
            net_ui(ui, "g", &mut c.generator);
            ui.add(egui::Slider::new(&mut c.noise_dim, limits::NOISE_DIM).text("noise dimension *")).on_hover_text(
                "The dimension of the noise z that the generator maps to the plane. Changing it restarts the run.",
            );
            egui::ComboBox::new("noise-kind", "noise *").selected_text(noise_label(c.noise)).show_ui(ui, |ui| {
                for kind in NoiseKind::ALL {
                    ui.selectable_value(&mut c.noise, kind, noise_label(kind));
                }
            });
            optimizer_ui(ui, "g", &mut c.opt_g);
        });
        egui::CollapsingHeader::new("Discriminator").default_open(true).show(ui, |ui| {
            net_ui(ui, "d", &mut c.discriminator);
            optimizer_ui(ui, "d", &mut c.opt_d);
        });
        ui.weak("* restarts the run; everything else applies live.");
        self.apply_config(c);
    }
}

pub(super) fn noise_label(kind: NoiseKind) -> &'static str {
    match kind {
        NoiseKind::Gaussian => "z ~ N(0, I)",
        NoiseKind::Uniform => "z ~ U[−1, 1]",
    }
}

pub(super) fn net_ui(ui: &mut egui::Ui, id: &str, net: &mut NetConfig) {
    ui.add(egui::Slider::new(&mut net.hidden, limits::HIDDEN).logarithmic(true).text("hidden width *"))
        .on_hover_text("Units in each hidden layer of this network: wider can fit finer shapes, and is slower. Changing it restarts the run.");
    ui.add(egui::Slider::new(&mut net.layers, limits::LAYERS).text("hidden layers *"))
        .on_hover_text("How many hidden layers this network has. Changing it restarts the run.");
    egui::ComboBox::new(format!("{id}-activation"), "activation *")
        .selected_text(activation_label(net.activation))
        .show_ui(ui, |ui| {
            for a in Activation::ALL {
                ui.selectable_value(&mut net.activation, a, activation_label(a));
            }
        });
}

pub(super) fn activation_label(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::LeakyRelu => "LeakyReLU(0.2)",
        Activation::Tanh => "tanh",
    }
}

pub(super) fn optimizer_ui(ui: &mut egui::Ui, id: &str, opt: &mut OptimizerConfig) {
    egui::ComboBox::new(format!("{id}-optimizer"), "optimiser").selected_text(optimizer_label(opt.kind)).show_ui(
        ui,
        |ui| {
            for k in OptimizerKind::ALL {
                ui.selectable_value(&mut opt.kind, k, optimizer_label(k));
            }
        },
    );
    lr_slider(ui, &mut opt.lr, "learning rate");
    match opt.kind {
        OptimizerKind::Adam => {
            ui.add(egui::Slider::new(&mut opt.beta1, 0.0..=0.99).text("β1")).on_hover_text(
                "Adam's momentum: how much of the past gradients each step keeps (0.5 is usual for GANs).",
            );
            ui.add(egui::Slider::new(&mut opt.beta2, 0.9..=0.9999).text("β2")).on_hover_text(
                "Adam's memory of squared gradients, which scales each step: nearer 1, a longer memory.",
            );
        }
        OptimizerKind::RmsProp => {
            ui.add(egui::Slider::new(&mut opt.beta2, 0.9..=0.9999).text("α (smoothing)")).on_hover_text(
                "RMSProp's memory of squared gradients, which scales each step: nearer 1, a longer memory.",
            );
        }
        OptimizerKind::Sgd => {}
    }
}

pub(super) fn optimizer_label(k: OptimizerKind) -> &'static str {
    match k {
        OptimizerKind::Sgd => "SGD",
        OptimizerKind::Adam => "Adam",
        OptimizerKind::RmsProp => "RMSProp",
    }
}
