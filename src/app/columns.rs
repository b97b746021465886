//! The users list's columns: which core fields and custom attributes, in what order, how
//! wide. Written as text wherever a person writes them (the config file, a saved view,
//! `:columns`): `email`, `custom_attributes.cost_center`, and `NAME:WIDTH` for a fixed width.

use std::fmt;

/// How a custom attribute column is written.
pub const CUSTOM_PREFIX: &str = "custom_attributes.";
/// The narrowest and the widest a fixed width may be.
pub const MIN_WIDTH: u16 = 3;
pub const MAX_WIDTH: u16 = 200;

macro_rules! fields {
    ($($variant:ident => $name:literal,)*) => {
        /// A core field the list can show: those every row holds, whether it came from the
        /// tenant's pages or from the user cache.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $($variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];
            /// The name a person writes (the API's, but `name`: first and last name).
            pub fn name(self) -> &'static str { match self { $(Field::$variant => $name),* } }
            pub fn from_name(name: &str) -> Option<Field> {
                match name { $($name => Some(Field::$variant),)* _ => None }
            }
        }
    };
}

fields! {
    Id => "id",
    Name => "name",
    Firstname => "firstname",
    Lastname => "lastname",
    Email => "email",
    Username => "username",
    Status => "status",
    State => "state",
    Department => "department",
    Title => "title",
    Company => "company",
    Phone => "phone",
    Samaccountname => "samaccountname",
    Userprincipalname => "userprincipalname",
    ExternalId => "external_id",
    DirectoryId => "directory_id",
    ManagerAdId => "manager_ad_id",
    GroupId => "group_id",
    RoleId => "role_id",
    CreatedAt => "created_at",
    UpdatedAt => "updated_at",
    LockedUntil => "locked_until",
}

impl Field {
    /// Sorted as numbers, not as text.
    pub fn numeric(self) -> bool {
        matches!(
            self,
            Field::Id | Field::DirectoryId | Field::ManagerAdId | Field::GroupId
        )
    }
}

/// One column: a core field or a custom attribute (by shortname).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Field(Field),
    Custom(String),
}

impl Column {
    /// As written: `email`, `custom_attributes.cost_center`.
    pub fn name(&self) -> String {
        match self {
            Column::Field(f) => f.name().to_string(),
            Column::Custom(name) => format!("{CUSTOM_PREFIX}{name}"),
        }
    }

    /// The table's header: the field's name, or the attribute's shortname.
    pub fn title(&self) -> &str {
        match self {
            Column::Field(f) => f.name(),
            Column::Custom(name) => name,
        }
    }

    /// A core field's name or `custom_attributes.<shortname>`; nothing else.
    pub fn parse(text: &str) -> Result<Column, String> {
        let text = text.trim();
        if let Some(short) = text.strip_prefix(CUSTOM_PREFIX) {
            return match short.trim() {
                "" => Err(format!(
                    "`{text}` names no attribute: {CUSTOM_PREFIX}<shortname>"
                )),
                short => Ok(Column::Custom(short.to_string())),
            };
        }
        Field::from_name(text).map(Column::Field).ok_or_else(|| {
            format!(
                "`{text}` is no column: a core field ({}) or {CUSTOM_PREFIX}<shortname>",
                field_names()
            )
        })
    }
}

/// Every core field's name, for messages.
pub fn field_names() -> String {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column as shown: which, and a fixed width (`None`: the table shares the room).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub column: Column,
    pub width: Option<u16>,
}

impl ColumnSpec {
    pub fn new(column: Column) -> ColumnSpec {
        ColumnSpec {
            column,
            width: None,
        }
    }

    /// `NAME` or `NAME:WIDTH`.
    pub fn parse(text: &str) -> Result<ColumnSpec, String> {
        let (name, width) = split_width(text)?;
        Ok(ColumnSpec {
            column: Column::parse(name)?,
            width,
        })
    }
}

impl fmt::Display for ColumnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.column.name())?;
        match self.width {
            Some(w) => write!(f, ":{w}"),
            None => Ok(()),
        }
    }
}

/// `name:30` → (`name`, 30). A number after the last `:` is a width; it must fit.
fn split_width(text: &str) -> Result<(&str, Option<u16>), String> {
    let text = text.trim();
    let Some((name, width)) = text.rsplit_once(':') else {
        return Ok((text, None));
    };
    let width = width.trim();
    if width.is_empty() || !width.chars().all(|c| c.is_ascii_digit()) {
        return Ok((text, None));
    }
    match width.parse::<u16>() {
        Ok(w) if (MIN_WIDTH..=MAX_WIDTH).contains(&w) => Ok((name.trim(), Some(w))),
        _ => Err(format!(
            "`{text}`: a width is {MIN_WIDTH} to {MAX_WIDTH} columns"
        )),
    }
}

/// The list's columns when nothing says otherwise.
pub const DEFAULT: [Field; 5] = [
    Field::Id,
    Field::Name,
    Field::Email,
    Field::Status,
    Field::Department,
];

/// The columns the console starts with: `[ui] user_columns` (core fields and
/// `custom_attributes.<shortname>`), then `[ui] columns`, where a bare name is a custom
/// attribute's shortname as it always was. A column named twice is shown once.
pub fn from_settings(
    user_columns: &[String],
    custom: &[String],
) -> Result<Vec<ColumnSpec>, String> {
    let mut specs = Vec::new();
    for text in user_columns {
        specs.push(ColumnSpec::parse(text).map_err(|e| format!("ui.user_columns: {e}"))?);
    }
    for text in custom {
        let (name, width) = split_width(text).map_err(|e| format!("ui.columns: {e}"))?;
        let short = name.strip_prefix(CUSTOM_PREFIX).unwrap_or(name).trim();
        if short.is_empty() {
            return Err(format!("ui.columns: `{text}` names no custom attribute"));
        }
        specs.push(ColumnSpec {
            column: Column::Custom(short.to_string()),
            width,
        });
    }
    dedup(&mut specs);
    if specs.is_empty() {
        return Err("ui.user_columns is empty: the list needs a column (id, name, …)".into());
    }
    Ok(specs)
}

/// The default columns, then these custom attributes (tests, benches).
pub fn with_custom(custom: &[&str]) -> Vec<ColumnSpec> {
    DEFAULT
        .iter()
        .map(|f| ColumnSpec::new(Column::Field(*f)))
        .chain(
            custom
                .iter()
                .map(|c| ColumnSpec::new(Column::Custom(c.to_string()))),
        )
        .collect()
}

/// Keeps the first of each column.
pub fn dedup(specs: &mut Vec<ColumnSpec>) {
    let mut seen = std::collections::HashSet::new();
    specs.retain(|s| seen.insert(s.column.clone()));
}

/// A name as the command line takes it: a core field, `custom_attributes.<shortname>`,
/// or the bare shortname of one of the tenant's attributes (`attributes`, once read).
/// An attribute the tenant is known to lack is refused.
pub fn resolve(text: &str, attributes: &[String]) -> Result<ColumnSpec, String> {
    let (name, width) = split_width(text)?;
    let column = match Column::parse(name) {
        Ok(column) => column,
        Err(_) if attributes.iter().any(|a| a == name) => Column::Custom(name.to_string()),
        Err(e) => return Err(e),
    };
    if let Column::Custom(short) = &column
        && !attributes.is_empty()
        && !attributes.contains(short)
    {
        return Err(format!(
            "this tenant has no custom attribute `{short}`: {}",
            attributes.join(", ")
        ));
    }
    Ok(ColumnSpec { column, width })
}

/// Every column on offer: the core fields, then the tenant's attributes.
pub fn every_column(attributes: &[String]) -> Vec<Column> {
    Field::ALL
        .iter()
        .map(|f| Column::Field(*f))
        .chain(attributes.iter().map(|a| Column::Custom(a.clone())))
        .collect()
}

/// The specs as written in a view or the config file.
pub fn to_texts(specs: &[ColumnSpec]) -> Vec<String> {
    specs.iter().map(ToString::to_string).collect()
}

/// A width step of the column chooser: from no fixed width, `start` first.
pub fn step_width(width: Option<u16>, wider: bool, start: u16) -> Option<u16> {
    let w = width.unwrap_or(start);
    let w = if width.is_none() {
        w
    } else if wider {
        w.saturating_add(2)
    } else {
        w.saturating_sub(2)
    };
    Some(w.clamp(MIN_WIDTH, MAX_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_with_their_widths() {
        for text in [
            "email",
            "custom_attributes.cost_center",
            "name:20",
            "last_login",
        ] {
            match ColumnSpec::parse(text) {
                Ok(spec) => assert_eq!(spec.to_string(), text),
                Err(e) => assert!(text == "last_login" && e.contains("no column"), "{e}"),
            }
        }
        assert!(ColumnSpec::parse("email:1").is_err(), "too narrow");
        assert!(ColumnSpec::parse("custom_attributes.").is_err());
    }

    #[test]
    fn the_old_key_keeps_bare_shortnames_as_attributes() {
        let specs = from_settings(
            &["id".into(), "email:30".into()],
            &["department".into(), "custom_attributes.AWS_Role".into()],
        )
        .unwrap();
        let names: Vec<String> = to_texts(&specs);
        assert_eq!(
            names,
            [
                "id",
                "email:30",
                "custom_attributes.department",
                "custom_attributes.AWS_Role"
            ]
        );
        assert!(
            from_settings(&["nope".into()], &[])
                .unwrap_err()
                .contains("ui.user_columns")
        );
    }

    #[test]
    fn the_command_line_takes_a_known_shortname_bare_and_refuses_an_unknown_one() {
        let attrs = vec!["cost_center".to_string()];
        assert_eq!(
            resolve("cost_center", &attrs).unwrap().column,
            Column::Custom("cost_center".into())
        );
        assert_eq!(
            resolve("title", &attrs).unwrap().column,
            Column::Field(Field::Title)
        );
        let e = resolve("custom_attributes.nope", &attrs).unwrap_err();
        assert!(
            e.contains("no custom attribute `nope`") && e.contains("cost_center"),
            "{e}"
        );
        // Before the tenant's attributes are read, any shortname is taken.
        assert!(resolve("custom_attributes.nope", &[]).is_ok());
    }
}
