//! Grey images as textures: single images and mosaics of many, cached until their data changes.

use eframe::egui::{self, Color32, ColorImage, TextureHandle, TextureOptions};

/// Lays `count` grey images of `width × height` (values in [0, 1]) on a grid of `cols`
/// columns, with a one-pixel gap.
pub fn mosaic(pixels: &[f32], width: usize, height: usize, count: usize, cols: usize) -> ColorImage {
    let cols = cols.max(1);
    let rows = count.div_ceil(cols).max(1);
    let (w, h) = (cols * (width + 1) + 1, rows * (height + 1) + 1);
    let mut img = ColorImage::filled([w, h], Color32::from_rgb(60, 60, 70));
    let dim = width * height;
    for i in 0..count {
        let Some(src) = pixels.get(i * dim..(i + 1) * dim) else { break };
        let (ox, oy) = (1 + (i % cols) * (width + 1), 1 + (i / cols) * (height + 1));
        for y in 0..height {
            for x in 0..width {
                let v = (src[y * width + x].clamp(0.0, 1.0) * 255.0).round() as u8;
                img.pixels[(oy + y) * w + ox + x] = Color32::from_gray(v);
            }
        }
    }
    img
}

/// A texture that is rebuilt only when its key changes.
#[derive(Default)]
pub struct CachedTexture {
    handle: Option<(TextureHandle, u64)>,
}

impl CachedTexture {
    /// The texture for `key`, built by `make` if the key changed.
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        key: u64,
        make: impl FnOnce() -> ColorImage,
    ) -> &TextureHandle {
        let fresh = !matches!(&self.handle, Some((_, k)) if *k == key);
        if fresh {
            let image = make();
            match &mut self.handle {
                Some((tex, k)) => {
                    tex.set(image, TextureOptions::NEAREST);
                    *k = key;
                }
                None => self.handle = Some((ctx.load_texture(name, image, TextureOptions::NEAREST), key)),
            }
        }
        match &self.handle {
            Some((tex, _)) => tex,
            None => unreachable!("set just above"),
        }
    }
}

/// Shows a texture scaled to `width` points wide, keeping its aspect ratio.
pub fn show(ui: &mut egui::Ui, texture: &TextureHandle, width: f32) -> egui::Response {
    let size = texture.size_vec2();
    let scale = width / size.x.max(1.0);
    ui.add(egui::Image::new((texture.id(), size * scale)))
}

/// A stable key for a slice of pixels (changes when any value changes).
pub fn key_of(pixels: &[f32]) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    pixels.len().hash(&mut h);
    for p in pixels {
        p.to_bits().hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mosaic_places_images_with_gaps() {
        let pixels = [0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 0.5, 0.5];
        let img = mosaic(&pixels, 2, 2, 2, 2);
        assert_eq!(img.size, [7, 4]);
        assert_eq!(img.pixels[7 + 1], Color32::from_gray(0));
        assert_eq!(img.pixels[7 + 2], Color32::from_gray(255));
        assert_eq!(img.pixels[7 + 4], Color32::from_gray(128));
        assert_ne!(key_of(&pixels), key_of(&pixels[..4]));
    }
}
