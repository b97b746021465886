//! Colour themes: TOML files of named styles, adapted to the terminal's colour depth and
//! to `NO_COLOR`.
//!
//! A theme is looked up first as `<themes_dir>/<name>.toml`, then among the built-ins
//! compiled in from `themes/`. Keys a file leaves out take the dark theme's value.
//! Colours are then brought down to what the terminal can show ([`ColorDepth`]): RGB to the
//! nearest xterm-256 index or to the nearest of the 16 ANSI colours, or no colour at all.
//!
//! `NO_COLOR` is handled here and only here: every colour is dropped from every style but
//! modifiers stay, and the cursor row (`selected`) and the marked rows (`marked`) get
//! modifiers that keep them visible without colour. crossterm's own `NO_COLOR` path is
//! switched off by the terminal layer (it writes a bare `ESC[m` in place of each colour,
//! which also ends reverse video and so hides the selection bar).
//!
//! Nothing here queries the terminal: depth comes from `COLORTERM`/`TERM` only.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The environment variable that overrides colour-depth detection:
/// `truecolor`, `256`, `16` or `mono`.
pub const DEPTH_ENV: &str = "ONELOGIN_COLOR_DEPTH";

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit RGB.
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// The 16 named ANSI colours (whatever the terminal's palette makes of them).
    Ansi16,
    /// No colour at all; modifiers only.
    Mono,
}

impl ColorDepth {
    /// From `COLORTERM` (`truecolor`/`24bit` → TrueColor) and `TERM` (`*-256color` →
    /// Ansi256, `*-direct` → TrueColor, `dumb` → Mono, anything else or unset → Ansi16).
    /// An explicit override in [`DEPTH_ENV`] wins when it parses; one that does not is
    /// ignored. No terminal queries.
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> ColorDepth {
        if let Some(value) = env(DEPTH_ENV).filter(|v| !v.trim().is_empty()) {
            match ColorDepth::parse(&value) {
                Some(depth) => return depth,
                None => tracing::warn!(
                    "{DEPTH_ENV}={value:?} is not one of truecolor, 256, 16, mono; detecting instead"
                ),
            }
        }
        let colorterm = env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm.contains("truecolor") || colorterm.contains("24bit") {
            return ColorDepth::TrueColor;
        }
        let term = env("TERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" {
            ColorDepth::Mono
        } else if term.ends_with("-direct") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// `"truecolor"` (or `24bit`), `"256"`, `"16"`, `"mono"` (or `none`), any case.
    pub fn parse(name: &str) -> Option<ColorDepth> {
        match name.trim().to_ascii_lowercase().as_str() {
            "truecolor" | "24bit" | "24-bit" | "rgb" => Some(ColorDepth::TrueColor),
            "256" | "ansi256" => Some(ColorDepth::Ansi256),
            "16" | "ansi16" | "ansi" => Some(ColorDepth::Ansi16),
            "mono" | "none" | "monochrome" => Some(ColorDepth::Mono),
            _ => None,
        }
    }
}

/// True when `NO_COLOR` is set to a non-empty value (<https://no-color.org/>).
pub fn no_color_requested(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// What went wrong loading a theme. Every message names the file (or built-in), the key
/// and the offending value where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error(
        "theme {name:?} not found: it is not a built-in ({builtins}){searched}",
        builtins = Theme::BUILTIN.join(", "),
        searched = match searched {
            Some(path) => format!(" and there is no {}", path.display()),
            None => String::new(),
        }
    )]
    NotFound {
        name: String,
        searched: Option<PathBuf>,
    },
    #[error("theme name {name:?} is not usable: letters, digits, '-', '_' and '.' only")]
    BadName { name: String },
    #[error("cannot read theme file {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{file}: not valid TOML: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {key} = {value}: {problem}")]
    Invalid {
        file: String,
        key: String,
        value: String,
        problem: String,
    },
}

macro_rules! theme_styles {
    ($($field:ident),+ $(,)?) => {
        /// Named styles for everything the console draws. Build it with [`Theme::load`].
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $field: Style,)+
        }

        impl Theme {
            /// Every style key, as spelled in theme files.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn style_mut(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($field) => Some(&mut self.$field),)+
                    _ => None,
                }
            }

            /// Every style with its key, in [`Theme::KEYS`] order.
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($field), self.$field)),+]
            }

            fn for_each_style(&mut self, mut f: impl FnMut(&mut Style)) {
                $(f(&mut self.$field);)+
            }

            fn with_every_style(name: String, style: Style) -> Theme {
                Theme { name, $($field: style,)+ }
            }
        }
    };
}

theme_styles!(
    base,
    muted,
    accent,
    border,
    header,
    selected,
    marked,
    changed,
    ok,
    warn,
    error,
    info,
    http_2xx,
    http_3xx,
    http_4xx,
    http_5xx,
    status_bar,
    key,
    toast_error,
    toast_info,
    gauge,
);

const BUILTIN_SOURCES: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("ansi16", include_str!("../themes/ansi16.toml")),
];

impl Theme {
    /// The themes compiled into the binary.
    pub const BUILTIN: &'static [&'static str] = &["dark", "light", "high-contrast", "ansi16"];

    /// Finds `name`: first `<themes_dir>/<name>.toml` when a dir is given and the file
    /// exists, else a built-in. Keys the file leaves out take the dark theme's value; a key
    /// it gives replaces that whole style. Then adapts colours to `depth`; with `no_color`
    /// (or `depth == Mono`) drops every colour, keeps the modifiers, and makes `selected`
    /// REVERSED and `marked` BOLD+UNDERLINED so both stay visible.
    pub fn load(
        name: &str,
        themes_dir: Option<&Path>,
        depth: ColorDepth,
        no_color: bool,
    ) -> Result<Theme, ThemeError> {
        let name = name.trim();
        if !valid_name(name) {
            return Err(ThemeError::BadName {
                name: name.to_string(),
            });
        }
        let mut theme = Theme::with_every_style(name.to_string(), Style::default());
        let (dark_file, dark_text) = builtin("dark").ok_or_else(|| ThemeError::NotFound {
            name: "dark".into(),
            searched: None,
        })?;
        theme.apply(&dark_file, dark_text)?;

        let file = themes_dir
            .map(|dir| dir.join(format!("{name}.toml")))
            .filter(|path| path.is_file());
        match (file, builtin(name)) {
            (Some(path), _) => {
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Read {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                theme.apply(&path.display().to_string(), &text)?;
            }
            (None, Some((file, text))) => {
                if name != "dark" {
                    theme.apply(&file, text)?;
                }
            }
            (None, None) => {
                return Err(ThemeError::NotFound {
                    name: name.to_string(),
                    searched: themes_dir.map(|dir| dir.join(format!("{name}.toml"))),
                });
            }
        }
        Ok(theme.adapted(depth, no_color))
    }

    /// The names [`Theme::load`] finds: the built-ins and the `.toml` files of
    /// `themes_dir`, sorted, each once (a file may stand in for a built-in).
    pub fn available(themes_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = Self::BUILTIN.iter().map(|n| n.to_string()).collect();
        let files = themes_dir
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let path = entry.path();
                let stem = path.file_stem()?.to_str()?.to_string();
                (path.extension().is_some_and(|e| e == "toml") && valid_name(&stem)).then_some(stem)
            });
        names.extend(files);
        names.sort();
        names.dedup();
        names
    }

    /// A profile's band (`color = "red"` or `"#cc0000"`): that colour behind the tenant's
    /// name in the status and tab bars, in bold, with black or white text, whichever
    /// reads better; adapted to the terminal's depth. Without colour: bold, reversed.
    pub fn band(text: &str, depth: ColorDepth, no_color: bool) -> Result<Style, String> {
        let color = parse_color(text)
            .filter(|c| *c != Color::Reset)
            .ok_or_else(|| {
                format!("`{text}` is not a colour: use a name such as red or blue, or #rrggbb")
            })?;
        let bold = Style::default().add_modifier(Modifier::BOLD);
        if no_color || depth == ColorDepth::Mono {
            return Ok(bold.add_modifier(Modifier::REVERSED));
        }
        let light = match color {
            Color::Rgb(r, g, b) => {
                u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 > 150_000
            }
            Color::White
            | Color::Yellow
            | Color::LightYellow
            | Color::LightGreen
            | Color::LightCyan
            | Color::Gray
            | Color::Cyan
            | Color::Green => true,
            _ => false,
        };
        let text_color = if light { Color::Black } else { Color::White };
        Ok(bold.bg(downgrade(color, depth)).fg(text_color))
    }

    /// A colourless theme that needs no file: for when [`Theme::load`] fails and the
    /// console still has to show why.
    pub fn fallback() -> Theme {
        let mut theme = Theme::with_every_style("fallback".into(), Style::default());
        for style in [
            &mut theme.accent,
            &mut theme.header,
            &mut theme.key,
            &mut theme.error,
            &mut theme.http_5xx,
            &mut theme.changed,
        ] {
            *style = style.add_modifier(Modifier::BOLD);
        }
        theme.status_bar = Style::default().add_modifier(Modifier::REVERSED);
        theme.toast_error = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        theme.toast_info = Style::default().add_modifier(Modifier::REVERSED);
        theme.adapted(ColorDepth::Mono, true)
    }

    /// The style for an HTTP status, by class. `None` (no response: a transport error) is
    /// `error`; a code outside 200–599 is `warn`.
    pub fn http_status(&self, status: Option<u16>) -> Style {
        match status {
            None => self.error,
            Some(200..=299) => self.http_2xx,
            Some(300..=399) => self.http_3xx,
            Some(400..=499) => self.http_4xx,
            Some(500..=599) => self.http_5xx,
            Some(_) => self.warn,
        }
    }

    /// Overlays the styles a theme file names.
    fn apply(&mut self, file: &str, text: &str) -> Result<(), ThemeError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ThemeError::Syntax {
                file: file.to_string(),
                message: e.message().to_string(),
            })?;
        for (key, value) in &table {
            let invalid =
                |key: &str, value: &dyn std::fmt::Display, problem: String| ThemeError::Invalid {
                    file: file.to_string(),
                    key: key.to_string(),
                    value: value.to_string(),
                    problem,
                };
            let Some(slot) = self.style_mut(key) else {
                return Err(invalid(
                    key,
                    &short(value),
                    format!("unknown style key (known: {})", Theme::KEYS.join(", ")),
                ));
            };
            let Some(fields) = value.as_table() else {
                return Err(invalid(
                    key,
                    &short(value),
                    "expected a table such as [selected] with fg, bg, modifiers".into(),
                ));
            };
            let mut style = Style::default();
            for (field, v) in fields {
                let full_key = format!("{key}.{field}");
                match field.as_str() {
                    "fg" | "bg" => {
                        let color = v
                            .as_str()
                            .and_then(parse_color)
                            .ok_or_else(|| invalid(&full_key, &short(v), COLOR_HELP.into()))?;
                        if field == "fg" {
                            style.fg = Some(color);
                        } else {
                            style.bg = Some(color);
                        }
                    }
                    "modifiers" => {
                        let list = v.as_array().ok_or_else(|| {
                            invalid(&full_key, &short(v), "expected a list of names".into())
                        })?;
                        for item in list {
                            let modifier =
                                item.as_str().and_then(parse_modifier).ok_or_else(|| {
                                    invalid(&full_key, &short(item), MODIFIER_HELP.into())
                                })?;
                            style = style.add_modifier(modifier);
                        }
                    }
                    _ => {
                        return Err(invalid(
                            &full_key,
                            &short(v),
                            "unknown field (known: fg, bg, modifiers)".into(),
                        ));
                    }
                }
            }
            *slot = style;
        }
        Ok(())
    }

    /// Brings every colour down to `depth`; drops all of them for Mono or `no_color`.
    fn adapted(mut self, depth: ColorDepth, no_color: bool) -> Theme {
        let colourless = no_color || depth == ColorDepth::Mono;
        self.for_each_style(|style| {
            if colourless {
                style.fg = None;
                style.bg = None;
                style.underline_color = None;
            } else {
                style.fg = style.fg.map(|c| downgrade(c, depth));
                style.bg = style.bg.map(|c| downgrade(c, depth));
                style.underline_color = style.underline_color.map(|c| downgrade(c, depth));
            }
        });
        if colourless {
            // Without colour, modifiers are all that tell these rows apart.
            self.selected = self
                .selected
                .add_modifier(Modifier::REVERSED)
                .remove_modifier(Modifier::UNDERLINED);
            self.marked = self
                .marked
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                .remove_modifier(Modifier::REVERSED);
            // The status bar and toasts would melt into the text.
            for style in [
                &mut self.status_bar,
                &mut self.toast_error,
                &mut self.toast_info,
            ] {
                *style = style.add_modifier(Modifier::REVERSED);
            }
        }
        self
    }
}

const COLOR_HELP: &str = "not a colour: use \"#rrggbb\", an ANSI name (black, red, green, yellow, \
     blue, magenta, cyan, gray, darkgray, lightred, lightgreen, lightyellow, lightblue, \
     lightmagenta, lightcyan, white, reset) or \"indexed:NN\" (0-255)";
const MODIFIER_HELP: &str =
    "not a modifier: use bold, dim, italic, underlined, reversed or crossed_out";

/// A value as it would appear in the file, cut short so one bad line stays one line.
fn short(value: &toml::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn builtin(name: &str) -> Option<(String, &'static str)> {
    BUILTIN_SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| (format!("built-in theme themes/{n}.toml"), *text))
}

/// `#rrggbb`, an ANSI name or `reset`, read by ratatui's `Color::from_str` (any case;
/// `-`, `_` and spaces ignored; `grey`, `bright…` spellings), plus our own `indexed:NN`
/// and `default` (= `reset`).
fn parse_color(text: &str) -> Option<Color> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if let Some(index) = lower.strip_prefix("indexed:") {
        return index.trim().parse::<u8>().ok().map(Color::Indexed);
    }
    if lower == "default" {
        return Some(Color::Reset);
    }
    // ratatui reads the pairs with from_str_radix, which would also take a sign ("#+f+f+f").
    if let Some(hex) = text.strip_prefix('#')
        && !hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    Color::from_str(text).ok()
}

fn parse_modifier(text: &str) -> Option<Modifier> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed_out" | "crossed-out" | "strikethrough" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

/// The 16 ANSI colours with xterm's default RGB values, in index order.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0x00, 0x00, 0x00)),
    (Color::Red, (0xcd, 0x00, 0x00)),
    (Color::Green, (0x00, 0xcd, 0x00)),
    (Color::Yellow, (0xcd, 0xcd, 0x00)),
    (Color::Blue, (0x00, 0x00, 0xee)),
    (Color::Magenta, (0xcd, 0x00, 0xcd)),
    (Color::Cyan, (0x00, 0xcd, 0xcd)),
    (Color::Gray, (0xe5, 0xe5, 0xe5)),
    (Color::DarkGray, (0x7f, 0x7f, 0x7f)),
    (Color::LightRed, (0xff, 0x00, 0x00)),
    (Color::LightGreen, (0x00, 0xff, 0x00)),
    (Color::LightYellow, (0xff, 0xff, 0x00)),
    (Color::LightBlue, (0x5c, 0x5c, 0xff)),
    (Color::LightMagenta, (0xff, 0x00, 0xff)),
    (Color::LightCyan, (0x00, 0xff, 0xff)),
    (Color::White, (0xff, 0xff, 0xff)),
];

/// The levels of the xterm 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn downgrade(color: Color, depth: ColorDepth) -> Color {
    match (depth, color) {
        (ColorDepth::TrueColor, c) => c,
        (ColorDepth::Mono, _) => Color::Reset,
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256((r, g, b))),
        (ColorDepth::Ansi256, c) => c,
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16((r, g, b)),
        (ColorDepth::Ansi16, Color::Indexed(i)) => match ANSI16.get(usize::from(i)) {
            Some((named, _)) => *named,
            None => nearest_16(rgb_of_index(i)),
        },
        (ColorDepth::Ansi16, c) => c,
    }
}

/// Perceptual-ish distance ("redmean"): cheap and good enough to pick among palettes.
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let (r1, g1, b1) = (i64::from(a.0), i64::from(a.1), i64::from(a.2));
    let (r2, g2, b2) = (i64::from(b.0), i64::from(b.1), i64::from(b.2));
    let rmean = (r1 + r2) / 2;
    let (dr, dg, db) = (r1 - r2, g1 - g2, b1 - b2);
    let d = (((512 + rmean) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rmean) * db * db) >> 8);
    u32::try_from(d).unwrap_or(u32::MAX)
}

/// The nearest xterm-256 index among the cube (16–231) and the grey ramp (232–255); the
/// first 16 are left out because terminals let users redefine them.
fn nearest_256(rgb: (u8, u8, u8)) -> u8 {
    let level = |v: u8| -> u8 {
        let mut best = 0u8;
        for (i, l) in CUBE.iter().enumerate() {
            if v.abs_diff(*l) < v.abs_diff(CUBE[usize::from(best)]) {
                best = u8::try_from(i).unwrap_or(0);
            }
        }
        best
    };
    let (ri, gi, bi) = (level(rgb.0), level(rgb.1), level(rgb.2));
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let cube_rgb = (
        CUBE[usize::from(ri)],
        CUBE[usize::from(gi)],
        CUBE[usize::from(bi)],
    );
    let average = (u16::from(rgb.0) + u16::from(rgb.1) + u16::from(rgb.2)) / 3;
    let step = u8::try_from((average.saturating_sub(3) / 10).min(23)).unwrap_or(23);
    let grey = 8 + 10 * step;
    if distance(rgb, (grey, grey, grey)) < distance(rgb, cube_rgb) {
        232 + step
    } else {
        cube_index
    }
}

fn nearest_16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, value)| distance(rgb, *value))
        .map_or(Color::Reset, |(named, _)| *named)
}

/// The RGB value xterm gives a palette index.
fn rgb_of_index(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => ANSI16[usize::from(index)].1,
        16..=231 => {
            let i = index - 16;
            (
                CUBE[usize::from(i / 36)],
                CUBE[usize::from((i / 6) % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        232..=255 => {
            let v = 8 + 10 * (index - 232);
            (v, v, v)
        }
    }
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod tests;
