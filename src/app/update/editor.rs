//! The user editor: editing values, pickers, and saving in the fewest calls.

use super::*;

pub(super) fn editor_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = editor_rows(state);
    let height = state.list_height();
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    let last = rows.len().saturating_sub(1);
    match action {
        KeyAction::Up => editor.cursor = editor.cursor.saturating_sub(1),
        KeyAction::Down => editor.cursor = (editor.cursor + 1).min(last),
        KeyAction::PageUp => editor.cursor = editor.cursor.saturating_sub(height),
        KeyAction::PageDown => editor.cursor = (editor.cursor + height).min(last),
        KeyAction::Top => editor.cursor = 0,
        KeyAction::Bottom => editor.cursor = last,
        KeyAction::Refresh => {
            if !editor.pending.is_empty() {
                toast(
                    state,
                    Level::Warning,
                    "Save or undo (u) the pending changes before reloading".into(),
                );
                return Vec::new();
            }
            editor.loading = true;
            return vec![Command::LoadUser { id: editor.id }];
        }
        KeyAction::Edit => {
            if let Some(key) = rows.get(editor.cursor).cloned() {
                start_edit(state, key);
            }
            return Vec::new();
        }
        KeyAction::ClearValue => {
            match rows.get(editor.cursor) {
                Some(key @ RowKey::Attribute(_)) => {
                    let key = key.clone();
                    set_pending(state, key, Pending::Text(String::new()));
                }
                Some(_) => status(
                    state,
                    Level::Warning,
                    "x clears custom attributes; edit a field with Enter",
                ),
                None => {}
            }
            return Vec::new();
        }
        KeyAction::Revert => {
            if let Some(key) = rows.get(editor.cursor) {
                editor.pending.remove(key);
            }
        }
        KeyAction::Save => return save(state),
        _ => {}
    }
    if let Some(editor) = state.editor.as_mut() {
        editor.offset = scroll_offset(editor.offset, editor.cursor, height, rows.len());
    }
    Vec::new()
}

pub(super) fn start_edit(state: &mut AppState, key: RowKey) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    let Some(user) = editor.user.as_ref() else {
        status(state, Level::Warning, "The user is still loading");
        return;
    };
    if !is_editable(&key, state.user_update) {
        status(
            state,
            Level::Warning,
            format!("{} is read-only", key.label()),
        );
        return;
    }
    let picker = match &key {
        RowKey::Group => {
            let chosen = match editor.pending.get(&key) {
                Some(Pending::Group(g)) => *g,
                _ => user.group_id,
            };
            let mut options = vec![(0, "(no group)".to_string())];
            options.extend(state.groups.iter().map(|g| (g.id, g.name.clone())));
            let cursor = options
                .iter()
                .position(|(id, _)| Some(*id) == chosen)
                .unwrap_or(0);
            Some(Picker {
                key: key.clone(),
                options,
                chosen: chosen.into_iter().collect(),
                cursor,
                multi: false,
            })
        }
        RowKey::Roles => {
            let chosen: BTreeSet<i64> = match editor.pending.get(&key) {
                Some(Pending::Roles(set)) => set.clone(),
                _ => editor
                    .roles
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            };
            let options = state.roles.iter().map(|r| (r.id, r.name.clone())).collect();
            Some(Picker {
                key: key.clone(),
                options,
                chosen,
                cursor: 0,
                multi: true,
            })
        }
        _ => None,
    };
    let text = match editor.pending.get(&key) {
        Some(Pending::Text(t)) => t.clone(),
        _ => current_value(
            user,
            editor.roles.as_deref(),
            &key,
            &state.groups,
            &state.roles,
        ),
    };
    if let Some(editor) = state.editor.as_mut() {
        match picker {
            Some(picker) => editor.picker = Some(picker),
            None => editor.editing = Some((key, line_input(&text))),
        }
    }
}

pub(super) fn commit_edit(state: &mut AppState) {
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some((key, input)) = editor.editing.as_ref() else {
        return;
    };
    let (key, text) = (key.clone(), input_text(input).trim().to_string());
    if let RowKey::Field(name) = key
        && is_integer_field(name)
        && !text.is_empty()
        && text.parse::<i64>().is_err()
    {
        toast(
            state,
            Level::Error,
            format!("{name} must be a whole number (or empty to clear it); {text:?} is not"),
        );
        return;
    }
    editor.editing = None;
    set_pending(state, key, Pending::Text(text));
}

/// Records a change, or forgets it when it equals the saved value.
pub(super) fn set_pending(state: &mut AppState, key: RowKey, value: Pending) {
    let (groups, roles) = (&state.groups, &state.roles);
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some(user) = editor.user.as_ref() else {
        return;
    };
    let unchanged = match (&value, &key) {
        (Pending::Text(text), _) => {
            *text == current_value(user, editor.roles.as_deref(), &key, groups, roles)
        }
        (Pending::Group(group), _) => *group == user.group_id,
        (Pending::Roles(set), _) => {
            *set == editor
                .roles
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };
    if unchanged {
        editor.pending.remove(&key);
    } else {
        editor.pending.insert(key, value);
    }
}

pub(super) fn on_picker_key(state: &mut AppState, action: Option<KeyAction>, key: KeyEvent) {
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some(picker) = editor.picker.as_mut() else {
        return;
    };
    let last = picker.options.len().saturating_sub(1);
    let toggle = |picker: &mut Picker| {
        if let Some((id, _)) = picker.options.get(picker.cursor) {
            if picker.multi {
                if !picker.chosen.remove(id) {
                    picker.chosen.insert(*id);
                }
            } else {
                picker.chosen = std::iter::once(*id).collect();
            }
        }
    };
    match (key.code, action) {
        (KeyCode::Esc, _) => editor.picker = None,
        (KeyCode::Char(' '), _) => toggle(picker),
        (KeyCode::Enter, _) => {
            if !picker.multi {
                toggle(picker);
            }
            let picker = editor.picker.take();
            if let Some(picker) = picker {
                let value = if picker.multi {
                    Pending::Roles(picker.chosen)
                } else {
                    Pending::Group(picker.chosen.into_iter().next().filter(|id| *id != 0))
                };
                set_pending(state, picker.key, value);
            }
        }
        (_, Some(KeyAction::Up)) => picker.cursor = picker.cursor.saturating_sub(1),
        (_, Some(KeyAction::Down)) => picker.cursor = (picker.cursor + 1).min(last),
        (_, Some(KeyAction::Top)) => picker.cursor = 0,
        (_, Some(KeyAction::Bottom)) => picker.cursor = last,
        _ => {}
    }
}

/// `Ctrl+S`: every pending change in the fewest calls.
pub(super) fn save(state: &mut AppState) -> Vec<Command> {
    let v3 = state.user_update == UserUpdateApi::V3;
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    if editor.pending.is_empty() {
        status(state, Level::Info, "Nothing to save");
        return Vec::new();
    }
    if !editor.saving.is_empty() {
        status(state, Level::Info, "A save is still running");
        return Vec::new();
    }
    let id = editor.id;
    let mut attributes = BTreeMap::new();
    let mut update = UserUpdate::default();
    let mut v3_update = V3UserUpdate::default();
    let mut roles_change = None;
    for (key, value) in &editor.pending {
        match (key, value) {
            (RowKey::Attribute(name), Pending::Text(text)) => {
                attributes.insert(name.clone(), text.clone());
            }
            (RowKey::Field(name), Pending::Text(text)) => {
                if v3 {
                    v3_update = v3_update.with(name, text.as_str());
                } else {
                    update.set(name, editor_rows::json_value(name, text));
                }
            }
            (RowKey::Group, Pending::Group(group)) => {
                if v3 {
                    v3_update = v3_update
                        .with("group_id", group.map(|g| g.to_string()).unwrap_or_default());
                } else {
                    update.set(
                        "group_id",
                        group.map_or(serde_json::Value::Null, serde_json::Value::from),
                    );
                }
            }
            (RowKey::Roles, Pending::Roles(set)) => {
                let current: BTreeSet<i64> = editor
                    .roles
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let add: Vec<i64> = set.difference(&current).copied().collect();
                let remove: Vec<i64> = current.difference(set).copied().collect();
                roles_change = Some((add, remove));
            }
            _ => {}
        }
    }
    let mut commands = Vec::new();
    if !attributes.is_empty() {
        commands.push((
            SavePart::CustomAttributes,
            Command::SetCustomAttributes {
                id,
                values: attributes,
            },
        ));
    }
    if v3 && !v3_update.is_empty() {
        commands.push((
            SavePart::Fields,
            Command::UpdateUserV3 {
                id,
                update: v3_update,
            },
        ));
    } else if !update.is_empty() {
        commands.push((SavePart::Fields, Command::UpdateUser { id, update }));
    }
    if let Some((add, remove)) = roles_change {
        if !add.is_empty() {
            commands.push((SavePart::AddRoles, Command::AddRoles { id, role_ids: add }));
        }
        if !remove.is_empty() {
            commands.push((
                SavePart::RemoveRoles,
                Command::RemoveRoles {
                    id,
                    role_ids: remove,
                },
            ));
        }
    }
    editor.saving = commands.iter().map(|(part, _)| *part).collect();
    editor.save_results.clear();
    let count = commands.len();
    status(
        state,
        Level::Info,
        format!(
            "Saving… ({count} call{})",
            if count == 1 { "" } else { "s" }
        ),
    );
    commands.into_iter().map(|(_, c)| c).collect()
}

/// The rows a save part writes.
pub(super) fn part_of(key: &RowKey) -> SavePart {
    match key {
        RowKey::Attribute(_) => SavePart::CustomAttributes,
        RowKey::Field(_) | RowKey::Group => SavePart::Fields,
        RowKey::Roles => SavePart::AddRoles,
    }
}

pub(super) fn on_saved(
    state: &mut AppState,
    id: i64,
    part: SavePart,
    result: Result<Option<User>, ApiError>,
) {
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        // The editor was closed meanwhile: report, so nothing happens unseen.
        match result {
            Ok(_) => status(
                state,
                Level::Success,
                format!("Saved {} of user {id}", part.label()),
            ),
            Err(e) => toast(
                state,
                Level::Error,
                format!("Saving {} of user {id} failed: {e}", part.label()),
            ),
        }
        return;
    };
    editor.saving.remove(&part);
    let roles_part = matches!(part, SavePart::AddRoles | SavePart::RemoveRoles);
    let keys: Vec<RowKey> = editor
        .pending
        .keys()
        .filter(|k| part_of(k) == part || (roles_part && **k == RowKey::Roles))
        .cloned()
        .collect();
    let names = keys
        .iter()
        .map(RowKey::label)
        .collect::<Vec<_>>()
        .join(", ");
    match result {
        Ok(updated) => {
            if let Some(user) = editor.user.as_mut() {
                for key in &keys {
                    apply_saved(user, &mut editor.roles, key, editor.pending.get(key), part);
                }
                if let Some(updated) = updated {
                    *user = updated;
                }
            }
            // Roles are written by two calls: the pending set goes once both answered.
            let roles_done = !editor.saving.contains(&SavePart::AddRoles)
                && !editor.saving.contains(&SavePart::RemoveRoles);
            for key in &keys {
                if *key != RowKey::Roles || roles_done {
                    editor.pending.remove(key);
                }
            }
            editor.save_results.push((part, Ok(())));
            if let Some(user) = editor.user.as_ref() {
                users_table::replace(&mut state.users, user, &state.columns);
            }
        }
        Err(e) => {
            let named = name_failed_field(&e).unwrap_or(names);
            editor.save_results.push((part, Err(e.to_string())));
            toast(
                state,
                Level::Error,
                format!("Saving {} ({named}) failed: {e}", part.label()),
            );
        }
    }
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    if editor.saving.is_empty() {
        let failed = editor
            .save_results
            .iter()
            .filter(|(_, r)| r.is_err())
            .count();
        let saved: Vec<&str> = editor
            .save_results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(p, _)| p.label())
            .collect();
        if failed == 0 {
            status(
                state,
                Level::Success,
                format!("Saved {} — 200 success: Success", saved.join(", ")),
            );
        } else if saved.is_empty() {
            status(
                state,
                Level::Error,
                "Nothing was saved: see the message; your changes are still pending",
            );
        } else {
            status(
                state,
                Level::Warning,
                format!(
                    "Saved {}; {failed} call(s) failed: those changes are still pending",
                    saved.join(", ")
                ),
            );
        }
    }
}

/// The field an error envelope names, as `{attribute, description}`.
pub(super) fn name_failed_field(error: &ApiError) -> Option<String> {
    match &error.kind {
        ErrorKind::Envelope {
            message: EnvelopeMessage::Attribute { attribute, .. },
            ..
        } => Some(attribute.clone()),
        _ => None,
    }
}

pub(super) fn apply_saved(
    user: &mut User,
    roles: &mut Option<Vec<i64>>,
    key: &RowKey,
    value: Option<&Pending>,
    part: SavePart,
) {
    match (key, value) {
        (RowKey::Attribute(name), Some(Pending::Text(text))) => {
            let value = if text.is_empty() {
                None
            } else {
                Some(text.clone())
            };
            user.custom_attributes.insert(name.clone(), value);
        }
        (RowKey::Field(name), Some(Pending::Text(text))) => {
            editor_rows::set_field(user, name, text)
        }
        (RowKey::Group, Some(Pending::Group(group))) => user.group_id = *group,
        (RowKey::Roles, Some(Pending::Roles(set))) => {
            let mut current: BTreeSet<i64> =
                roles.clone().unwrap_or_default().into_iter().collect();
            match part {
                SavePart::AddRoles => current.extend(
                    set.difference(&current.clone())
                        .copied()
                        .collect::<Vec<_>>(),
                ),
                SavePart::RemoveRoles => current.retain(|r| set.contains(r)),
                _ => {}
            }
            *roles = Some(current.into_iter().collect());
        }
        _ => {}
    }
}
