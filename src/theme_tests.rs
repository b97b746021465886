use super::*;

fn colours(style: &Style) -> [Option<Color>; 3] {
    [style.fg, style.bg, style.underline_color]
}

#[test]
fn every_builtin_parses_and_sets_every_key() {
    for (name, text) in BUILTIN_SOURCES {
        assert!(Theme::BUILTIN.contains(name));
        let table: toml::Table = text.parse().unwrap();
        for key in Theme::KEYS {
            assert!(table.contains_key(*key), "{name}.toml does not set [{key}]");
        }
        for depth in [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
            ColorDepth::Mono,
        ] {
            let theme = Theme::load(name, None, depth, false).unwrap();
            assert_eq!(theme.name, *name);
        }
    }
    assert_eq!(BUILTIN_SOURCES.len(), Theme::BUILTIN.len());
}

#[test]
fn every_style_in_every_builtin_shows_something() {
    // A style with neither a colour nor a modifier would be invisible as a highlight.
    for name in Theme::BUILTIN {
        let theme = Theme::load(name, None, ColorDepth::TrueColor, false).unwrap();
        for (key, style) in theme.styles() {
            let visible =
                style.fg.is_some() || style.bg.is_some() || !style.add_modifier.is_empty();
            assert!(visible, "{name}: [{key}] sets nothing");
        }
        assert_ne!(theme.selected, theme.marked, "{name}");
        assert_ne!(theme.selected, theme.base, "{name}");
    }
}

#[test]
fn ansi16_theme_uses_only_the_sixteen_named_colours() {
    let theme = Theme::load("ansi16", None, ColorDepth::TrueColor, false).unwrap();
    for (key, style) in theme.styles() {
        for color in colours(&style).into_iter().flatten() {
            assert!(
                !matches!(color, Color::Rgb(..) | Color::Indexed(_)),
                "[{key}] uses {color:?}"
            );
        }
    }
}

#[test]
fn high_contrast_is_black_with_a_strong_selection() {
    let theme = Theme::load("high-contrast", None, ColorDepth::TrueColor, false).unwrap();
    assert_eq!(theme.base.bg, Some(Color::Rgb(0, 0, 0)));
    assert_eq!(theme.base.fg, Some(Color::Rgb(255, 255, 255)));
    assert_eq!(theme.selected.bg, Some(Color::Rgb(255, 255, 255)));
    assert_eq!(theme.selected.fg, Some(Color::Rgb(0, 0, 0)));
    assert!(theme.selected.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn depth_detection_from_the_environment() {
    fn env_of<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }
    let cases: &[(&[(&str, &str)], ColorDepth)] = &[
        (
            &[("COLORTERM", "truecolor"), ("TERM", "xterm")],
            ColorDepth::TrueColor,
        ),
        (&[("COLORTERM", "24bit")], ColorDepth::TrueColor),
        (&[("TERM", "tmux-256color")], ColorDepth::Ansi256),
        (&[("TERM", "xterm-256color")], ColorDepth::Ansi256),
        (&[("TERM", "xterm-direct")], ColorDepth::TrueColor),
        (&[("TERM", "xterm")], ColorDepth::Ansi16),
        (&[("TERM", "linux")], ColorDepth::Ansi16),
        (&[], ColorDepth::Ansi16),
        (&[("TERM", "dumb")], ColorDepth::Mono),
        (
            &[("TERM", "xterm-256color"), (DEPTH_ENV, "16")],
            ColorDepth::Ansi16,
        ),
        (
            &[("COLORTERM", "truecolor"), (DEPTH_ENV, "mono")],
            ColorDepth::Mono,
        ),
        (
            &[("TERM", "dumb"), (DEPTH_ENV, "truecolor")],
            ColorDepth::TrueColor,
        ),
        (
            &[("TERM", "xterm-256color"), (DEPTH_ENV, "lots")],
            ColorDepth::Ansi256,
        ),
    ];
    for (pairs, want) in cases {
        assert_eq!(ColorDepth::detect(&env_of(pairs)), *want, "{pairs:?}");
    }
    assert_eq!(ColorDepth::parse("256"), Some(ColorDepth::Ansi256));
    assert_eq!(ColorDepth::parse("TrueColor"), Some(ColorDepth::TrueColor));
    assert_eq!(ColorDepth::parse("16"), Some(ColorDepth::Ansi16));
    assert_eq!(ColorDepth::parse("mono"), Some(ColorDepth::Mono));
    assert_eq!(ColorDepth::parse("8"), None);
    assert!(no_color_requested(
        &|k| (k == "NO_COLOR").then(|| "1".into())
    ));
    assert!(!no_color_requested(&|k| (k == "NO_COLOR").then(String::new)));
    assert!(!no_color_requested(&|_| None));
}

#[test]
fn depth_downgrade_maps_rgb_to_the_palettes() {
    let red = Color::Rgb(0xff, 0, 0);
    assert!(matches!(
        downgrade(red, ColorDepth::Ansi16),
        Color::Red | Color::LightRed
    ));
    assert_eq!(downgrade(red, ColorDepth::Ansi256), Color::Indexed(196));
    assert_eq!(downgrade(red, ColorDepth::TrueColor), red);
    // Greys go to the grey ramp, cube colours to themselves.
    assert_eq!(nearest_256((0xd0, 0xd0, 0xd0)), 252);
    assert_eq!(nearest_256((0x5f, 0xaf, 0xff)), 75);
    assert_eq!(nearest_256((0, 0, 0)), 16);
    assert_eq!(nearest_256((255, 255, 255)), 231);
    assert_eq!(nearest_256((0x80, 0x80, 0x80)), 244);
    assert_eq!(
        downgrade(Color::Indexed(196), ColorDepth::Ansi16),
        Color::LightRed
    );
    assert_eq!(downgrade(Color::Indexed(1), ColorDepth::Ansi16), Color::Red);
    assert_eq!(downgrade(Color::Cyan, ColorDepth::Ansi256), Color::Cyan);
    for i in 16..=255u8 {
        assert_eq!(
            nearest_256(rgb_of_index(i)),
            i,
            "index {i} is not its own nearest"
        );
    }

    let theme = Theme::load("dark", None, ColorDepth::Ansi256, false).unwrap();
    let theme16 = Theme::load("dark", None, ColorDepth::Ansi16, false).unwrap();
    for ((key, s256), (_, s16)) in theme.styles().into_iter().zip(theme16.styles()) {
        for c in colours(&s256).into_iter().flatten() {
            assert!(matches!(c, Color::Indexed(16..)), "256 [{key}] {c:?}");
        }
        for c in colours(&s16).into_iter().flatten() {
            assert!(
                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                "16 [{key}] {c:?}"
            );
        }
    }
    // Every RGB in the built-ins is on the xterm-256 palette: no rounding at 256.
    for name in ["dark", "light", "high-contrast"] {
        let rgb = Theme::load(name, None, ColorDepth::TrueColor, false).unwrap();
        for (key, style) in rgb.styles() {
            for c in colours(&style).into_iter().flatten() {
                if let Color::Rgb(r, g, b) = c {
                    let back = rgb_of_index(nearest_256((r, g, b)));
                    assert_eq!(back, (r, g, b), "{name} [{key}] is off the 256 palette");
                }
            }
        }
    }
}

#[test]
fn no_color_drops_every_colour_and_keeps_rows_distinguishable() {
    for name in Theme::BUILTIN {
        for (depth, no_color) in [
            (ColorDepth::TrueColor, true),
            (ColorDepth::Ansi16, true),
            (ColorDepth::Mono, false),
        ] {
            let theme = Theme::load(name, None, depth, no_color).unwrap();
            for (key, style) in theme.styles() {
                assert_eq!(colours(&style), [None, None, None], "{name} [{key}]");
            }
            assert!(theme.selected.add_modifier.contains(Modifier::REVERSED));
            assert!(
                theme
                    .marked
                    .add_modifier
                    .contains(Modifier::BOLD | Modifier::UNDERLINED)
            );
            assert!(!theme.marked.add_modifier.contains(Modifier::REVERSED));
            assert_ne!(theme.selected.add_modifier, theme.marked.add_modifier);
            // Bold headers and errors stay bold.
            assert!(theme.error.add_modifier.contains(Modifier::BOLD), "{name}");
        }
    }
    let fallback = Theme::fallback();
    assert!(fallback.selected.add_modifier.contains(Modifier::REVERSED));
    assert!(
        fallback
            .styles()
            .iter()
            .all(|(_, s)| colours(s) == [None, None, None])
    );
}

#[test]
fn http_status_by_class() {
    let t = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    assert_eq!(t.http_status(Some(200)), t.http_2xx);
    assert_eq!(t.http_status(Some(204)), t.http_2xx);
    assert_eq!(t.http_status(Some(302)), t.http_3xx);
    assert_eq!(t.http_status(Some(429)), t.http_4xx);
    assert_eq!(t.http_status(Some(503)), t.http_5xx);
    assert_eq!(t.http_status(None), t.error);
    assert_eq!(t.http_status(Some(999)), t.warn);
}

#[test]
fn a_theme_file_overrides_a_builtin_and_missing_keys_come_from_dark() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("light.toml"),
        "[selected]\nfg = \"indexed:16\"\nbg = \"#123456\"\nmodifiers = [\"underlined\"]\n\
             [base]\nfg = \"lightcyan\"\n",
    )
    .unwrap();
    let theme = Theme::load("light", Some(dir.path()), ColorDepth::TrueColor, false).unwrap();
    let dark = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let light = Theme::load("light", None, ColorDepth::TrueColor, false).unwrap();
    assert_eq!(theme.selected.fg, Some(Color::Indexed(16)));
    assert_eq!(theme.selected.bg, Some(Color::Rgb(0x12, 0x34, 0x56)));
    assert_eq!(theme.selected.add_modifier, Modifier::UNDERLINED);
    // A key given replaces the whole style: no bg inherited from dark's base.
    assert_eq!(theme.base, Style::default().fg(Color::LightCyan));
    // Keys left out are dark's, not the built-in light's.
    assert_eq!(theme.marked, dark.marked);
    assert_ne!(theme.marked, light.marked);
    assert_eq!(theme.name, "light");

    // A name that is only a file.
    std::fs::write(dir.path().join("mine.toml"), "[key]\nfg = \"red\"\n").unwrap();
    let mine = Theme::load("mine", Some(dir.path()), ColorDepth::Ansi16, false).unwrap();
    assert_eq!(mine.key.fg, Some(Color::Red));
    // A dir without the file still finds the built-in.
    let dark_again = Theme::load("dark", Some(dir.path()), ColorDepth::TrueColor, false).unwrap();
    assert_eq!(dark_again, dark);
}

#[test]
fn errors_name_the_file_the_key_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let load = |text: &str| {
        std::fs::write(dir.path().join("bad.toml"), text).unwrap();
        Theme::load("bad", Some(dir.path()), ColorDepth::TrueColor, false)
            .unwrap_err()
            .to_string()
    };
    let message = load("[selected]\nfg = \"#12345\"\n");
    println!("{message}");
    assert!(message.contains("bad.toml"), "{message}");
    assert!(message.contains("selected.fg"), "{message}");
    assert!(message.contains("#12345"), "{message}");
    assert!(message.contains("#rrggbb"), "{message}");

    for (text, key, value) in [
        ("[selected]\nbg = \"purplish\"\n", "selected.bg", "purplish"),
        (
            "[selected]\nbg = \"indexed:256\"\n",
            "selected.bg",
            "indexed:256",
        ),
        ("[selected]\nbg = 12\n", "selected.bg", "12"),
        ("[selection]\nfg = \"red\"\n", "selection", "fg"),
        ("[error]\ncolour = \"red\"\n", "error.colour", "red"),
        (
            "[error]\nmodifiers = [\"blink\"]\n",
            "error.modifiers",
            "blink",
        ),
        ("[error]\nmodifiers = \"bold\"\n", "error.modifiers", "bold"),
        ("ok = \"green\"\n", "ok", "green"),
    ] {
        let message = load(text);
        assert!(message.contains("bad.toml"), "{message}");
        assert!(message.contains(key), "{key}: {message}");
        assert!(message.contains(value), "{value}: {message}");
    }
    let message = load("[selected\n");
    assert!(
        message.contains("bad.toml") && message.contains("TOML"),
        "{message}"
    );

    let message = Theme::load("nope", Some(dir.path()), ColorDepth::TrueColor, false)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("nope") && message.contains("high-contrast"),
        "{message}"
    );
    assert!(message.contains("nope.toml"), "{message}");
    assert!(matches!(
        Theme::load(
            "../etc/passwd",
            Some(dir.path()),
            ColorDepth::TrueColor,
            false
        ),
        Err(ThemeError::BadName { .. })
    ));
}

#[test]
fn colour_syntax() {
    assert_eq!(parse_color("#FF8000"), Some(Color::Rgb(255, 128, 0)));
    assert_eq!(parse_color("indexed:42"), Some(Color::Indexed(42)));
    assert_eq!(parse_color("DarkGray"), Some(Color::DarkGray));
    assert_eq!(parse_color("light-blue"), Some(Color::LightBlue));
    assert_eq!(parse_color("reset"), Some(Color::Reset));
    assert_eq!(parse_color("#ff80"), None);
    assert_eq!(parse_color("#gg0000"), None);
    assert_eq!(parse_color("#ff00é0"), None);
    assert_eq!(parse_color("indexed:-1"), None);
    assert_eq!(parse_color("indexed: 7"), Some(Color::Indexed(7)));
    assert_eq!(parse_color("#+f+f+f"), None);
    assert_eq!(parse_color("grey"), Some(Color::Gray));
    assert_eq!(parse_color("Dark_Grey"), Some(Color::DarkGray));
    assert_eq!(parse_color(" light cyan "), Some(Color::LightCyan));
    assert_eq!(parse_color("default"), Some(Color::Reset));
    assert_eq!(parse_color("purplish"), None);
    assert_eq!(parse_color(""), None);
}

#[test]
fn a_profile_band_reads_on_its_colour_and_says_when_it_is_not_one() {
    let red = Theme::band("red", ColorDepth::TrueColor, false).unwrap();
    assert_eq!((red.bg, red.fg), (Some(Color::Red), Some(Color::White)));
    let pale = Theme::band("#ffee88", ColorDepth::TrueColor, false).unwrap();
    assert_eq!(pale.fg, Some(Color::Black), "dark text on a light band");
    // Down to the terminal's depth, and without colour still set apart.
    let ansi = Theme::band("#cc0000", ColorDepth::Ansi16, false).unwrap();
    assert!(!matches!(ansi.bg, Some(Color::Rgb(..))), "{ansi:?}");
    let plain = Theme::band("red", ColorDepth::TrueColor, true).unwrap();
    assert_eq!(plain.bg, None);
    assert!(
        plain
            .add_modifier
            .contains(Modifier::REVERSED | Modifier::BOLD)
    );
    let e = Theme::band("production", ColorDepth::TrueColor, false).unwrap_err();
    assert!(e.contains("not a colour"), "{e}");
}
