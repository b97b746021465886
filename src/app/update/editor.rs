//! The user editor: editing values, pickers, and saving in the fewest calls.

use super::modal::Rejected;
use super::*;

pub(super) fn editor_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = editor_rows(state);
    let height = layout::rows(state, ListId::Editor);
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    if editor.list.key(action, rows.len(), height) {
        return Vec::new();
    }
    let current = rows.get(editor.list.cursor()).cloned();
    match action {
        KeyAction::Refresh => {
            if !editor.pending.is_empty() {
                toast(state, Level::Warning, Note::Hint(Hint::SaveOrUndoFirst));
                return Vec::new();
            }
            // The fields show the roles too: both are read again.
            let id = editor.id;
            let mut commands = Vec::new();
            if !editor.loading {
                editor.loading = true;
                commands.push(Command::LoadUser { id });
            }
            if !editor.roles_loading {
                editor.roles_loading = true;
                editor.roles_error = None;
                commands.push(Command::LoadUserRoles { id });
            }
            return commands;
        }
        KeyAction::Edit => {
            if let Some(key) = current {
                start_edit(state, key);
            }
        }
        KeyAction::ClearValue => match current {
            Some(key @ RowKey::Attribute(_)) => {
                set_pending(state, key, Pending::Text(String::new()))
            }
            Some(_) => status(
                state,
                Level::Warning,
                Note::Hint(Hint::ClearsAttributesOnly),
            ),
            None => {}
        },
        KeyAction::Revert => {
            if let Some(key) = current {
                editor.pending.remove(&key);
            }
        }
        KeyAction::Save => return save(state),
        _ => {}
    }
    Vec::new()
}

/// The user arrived for the editor (its roles come on their own).
pub(super) fn on_user(state: &mut AppState, id: i64, result: Result<User, ApiError>) {
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        return;
    };
    editor.loading = false;
    match result {
        Ok(user) => {
            users_table::replace(&mut state.users, &user, &state.columns);
            editor.user = Some(user);
            editor.error = None;
        }
        Err(e) => {
            editor.error = Some(e.clone());
            failed(state, Doing::LoadUser(id), Failure::Api(e));
        }
    }
}

/// Enter on a row: a text input over its value, or a picker for group and roles.
pub(super) fn start_edit(state: &mut AppState, key: RowKey) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    let Some(user) = editor.user.as_ref() else {
        status(
            state,
            Level::Warning,
            Note::text("The user is still loading"),
        );
        return;
    };
    if !is_editable(&key, state.user_update) {
        status(
            state,
            Level::Warning,
            Note::Text(format!("{} is read-only", key.label())),
        );
        return;
    }
    match &key {
        RowKey::Group => {
            let chosen = match editor.pending.get(&key) {
                Some(Pending::Group(g)) => *g,
                _ => user.group_id,
            };
            let mut options = vec![(Choice::Group(None), "(no group)".to_string())];
            options.extend(
                state
                    .groups
                    .iter()
                    .map(|g| (Choice::Group(Some(g.id)), g.name.clone())),
            );
            let at = options
                .iter()
                .position(|(c, _)| *c == Choice::Group(chosen))
                .unwrap_or(0);
            open_pick(state, PickFor::Group, options, [at], at, false);
        }
        // Without the user's roles a pick could not tell what it adds or removes.
        RowKey::Roles if editor.roles.is_none() => {
            let text = if editor.roles_error.is_some() {
                "The user's roles could not be read: r reads them again"
            } else {
                "The user's roles are still loading"
            };
            status(state, Level::Warning, Note::text(text));
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
            let options: Vec<(Choice, String)> = state
                .roles
                .iter()
                .map(|r| (Choice::Role(r.id), r.name.clone()))
                .collect();
            let marked: Vec<usize> = state
                .roles
                .iter()
                .enumerate()
                .filter(|(_, r)| chosen.contains(&r.id))
                .map(|(i, _)| i)
                .collect();
            open_pick(state, PickFor::Roles, options, marked, 0, true);
        }
        _ => {
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
            modal::input(state, InputFor::EditValue(key), &text);
        }
    }
}

pub(super) fn open_pick(
    state: &mut AppState,
    purpose: PickFor,
    options: Vec<(Choice, String)>,
    marked: impl IntoIterator<Item = usize>,
    at: usize,
    multi: bool,
) {
    let mut list = super::super::list::ListState::default();
    list.mark_all(marked);
    let len = options.len();
    let rows = layout::rows(state, ListId::Picker(len));
    list.select(at, len, rows);
    modal::pick(
        state,
        Pick {
            purpose,
            options,
            list,
            multi,
        },
    );
}

/// Enter in a value input: the change is pending (a whole-number field is checked first).
pub(super) fn commit_value(
    state: &mut AppState,
    key: RowKey,
    text: &str,
) -> Result<Vec<Command>, Rejected> {
    let text = text.trim().to_string();
    if let RowKey::Field(name) = key
        && is_integer_field(name)
        && !text.is_empty()
        && text.parse::<i64>().is_err()
    {
        return Err(Rejected {
            note: Box::new(Note::Failed {
                doing: Doing::Value(name.to_string()),
                error: Failure::Invalid(format!(
                    "must be a whole number (or empty to clear it); {text:?} is not"
                )),
            }),
            inline: false,
        });
    }
    set_pending(state, key, Pending::Text(text));
    Ok(Vec::new())
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
    let unchanged = match &value {
        Pending::Text(text) => {
            *text == current_value(user, editor.roles.as_deref(), &key, groups, roles)
        }
        Pending::Group(group) => *group == user.group_id,
        Pending::Roles(set) => {
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

/// `Ctrl+S`: every pending change in the fewest calls.
pub(super) fn save(state: &mut AppState) -> Vec<Command> {
    let v3 = state.user_update == UserUpdateApi::V3;
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    if editor.pending.is_empty() {
        status(state, Level::Info, Note::text("Nothing to save"));
        return Vec::new();
    }
    if !editor.saving.is_empty() {
        status(state, Level::Info, Note::text("A save is still running"));
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
        Note::Text(format!(
            "Saving… ({count} call{})",
            if count == 1 { "" } else { "s" }
        )),
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
                Note::Text(format!("Saved {} of user {id}", part.label())),
            ),
            Err(e) => {
                let fields = name_failed_field(&e).unwrap_or_default();
                failed(state, Doing::Save { id, part, fields }, Failure::Api(e));
            }
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
            editor.save_results.push((part, true));
            if let Some(user) = editor.user.as_ref() {
                users_table::replace(&mut state.users, user, &state.columns);
            }
        }
        Err(e) => {
            editor.save_results.push((part, false));
            let fields = name_failed_field(&e).unwrap_or(names);
            failed(state, Doing::Save { id, part, fields }, Failure::Api(e));
        }
    }
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    if editor.saving.is_empty() {
        let failed_calls = editor.save_results.iter().filter(|(_, ok)| !ok).count();
        let saved: Vec<&str> = editor
            .save_results
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(p, _)| p.label())
            .collect();
        let (level, text) = if failed_calls == 0 {
            (
                Level::Success,
                format!("Saved {} — 200 success: Success", saved.join(", ")),
            )
        } else if saved.is_empty() {
            (
                Level::Error,
                "Nothing was saved: see the message; your changes are still pending".to_string(),
            )
        } else {
            (
                Level::Warning,
                format!(
                    "Saved {}; {failed_calls} call(s) failed: those changes are still pending",
                    saved.join(", ")
                ),
            )
        };
        status(state, level, Note::Text(text));
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
                SavePart::AddRoles => current.extend(set.iter().copied()),
                SavePart::RemoveRoles => current.retain(|r| set.contains(r)),
                _ => {}
            }
            *roles = Some(current.into_iter().collect());
        }
        _ => {}
    }
}
