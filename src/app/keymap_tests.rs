use super::*;

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

#[test]
fn defaults_have_no_conflicts() {
    let (_, problems) = Keymap::new(&BTreeMap::new(), false);
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn vim_keys_and_arrows_both_move() {
    let (map, _) = Keymap::new(&BTreeMap::new(), false);
    for event in [
        key(KeyCode::Char('j'), KeyModifiers::NONE),
        key(KeyCode::Down, KeyModifiers::NONE),
    ] {
        assert_eq!(map.lookup(Context::Users, &event), Some(KeyAction::Down));
    }
    let shift_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(
        map.lookup(Context::RequestLog, &shift_g),
        Some(KeyAction::Bottom)
    );
    let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(map.lookup(Context::Editor, &ctrl_s), Some(KeyAction::Save));
    // The screen's own binding wins over the global one.
    let enter = key(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(map.lookup(Context::Editor, &enter), Some(KeyAction::Edit));
}

#[test]
fn overrides_replace_keys_and_bad_ones_are_reported() {
    let mut users = BTreeMap::new();
    users.insert("toggle_select".to_string(), vec!["t".to_string()]);
    users.insert("nonsense".to_string(), vec!["z".to_string()]);
    users.insert("filter".to_string(), vec!["ctrl+shift+nope".to_string()]);
    let mut overrides = BTreeMap::new();
    overrides.insert("users".to_string(), users);
    overrides.insert("nowhere".to_string(), BTreeMap::new());
    let (map, problems) = Keymap::new(&overrides, false);
    let t = key(KeyCode::Char('t'), KeyModifiers::NONE);
    let space = key(KeyCode::Char(' '), KeyModifiers::NONE);
    assert_eq!(map.lookup(Context::Users, &t), Some(KeyAction::ToggleMark));
    assert_eq!(map.lookup(Context::Users, &space), None);
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn read_only_binds_no_write_keys() {
    let (map, _) = Keymap::new(&BTreeMap::new(), true);
    let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(map.lookup(Context::Editor, &ctrl_s), None);
    let e = key(KeyCode::Char('e'), KeyModifiers::NONE);
    assert_eq!(map.lookup(Context::Editor, &e), None);
    let help = map.help();
    assert!(
        help.iter()
            .flat_map(|(_, rows)| rows)
            .all(|(_, h)| *h != KeyAction::Save.help())
    );
}

#[test]
fn key_specs_round_trip_to_their_names() {
    for (text, shown) in [
        ("ctrl+s", "Ctrl+S"),
        ("G", "G"),
        ("space", "Space"),
        ("f1", "F1"),
        ("pagedown", "PgDn"),
    ] {
        assert_eq!(KeySpec::parse(text).unwrap().to_string(), shown);
    }
    assert!(KeySpec::parse("f99").is_err());
    assert!(KeySpec::parse("hyper+x").is_err());
}
