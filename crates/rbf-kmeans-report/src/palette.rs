//! Colours for series and clusters.

/// The default series colours, chosen to stay apart for the common forms of colour blindness:
/// the first eight follow the Okabe–Ito scheme (with its yellow darkened to read on white and its
/// black softened to a dark grey), the last two extend it with a wine and a teal.
const PALETTE: [(u8, u8, u8); 10] = [
    (0x00, 0x72, 0xB2), // blue
    (0xD5, 0x5E, 0x00), // vermillion
    (0x00, 0x9E, 0x73), // bluish green
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xE6, 0x9F, 0x00), // orange
    (0x56, 0xB4, 0xE9), // sky blue
    (0x44, 0x44, 0x44), // dark grey
    (0xB5, 0x9E, 0x00), // dark yellow
    (0x88, 0x22, 0x55), // wine
    (0x44, 0xAA, 0x99), // teal
];

/// The number of distinct colours in the palette; `Colour::Palette(i)` wraps around after it.
pub const PALETTE_LEN: usize = PALETTE.len();

/// A colour for a series, a cluster or a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// The `i`-th palette colour, taken modulo [`PALETTE_LEN`]; cluster `k` uses `Palette(k)`.
    Palette(usize),
    /// An explicit sRGB colour.
    Rgb(u8, u8, u8),
}

impl Colour {
    /// The colour as a CSS hex string, `#rrggbb`.
    pub fn hex(self) -> String {
        let (r, g, b) = match self {
            Colour::Palette(i) => PALETTE[i % PALETTE_LEN],
            Colour::Rgb(r, g, b) => (r, g, b),
        };
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_are_distinct_and_wrap() {
        let hexes: Vec<String> = (0..PALETTE_LEN).map(|i| Colour::Palette(i).hex()).collect();
        for (i, a) in hexes.iter().enumerate() {
            assert_eq!(a.len(), 7);
            assert!(hexes[i + 1..].iter().all(|b| b != a));
        }
        assert_eq!(Colour::Palette(PALETTE_LEN + 1).hex(), hexes[1]);
        assert_eq!(Colour::Rgb(255, 0, 16).hex(), "#ff0010");
    }
}
