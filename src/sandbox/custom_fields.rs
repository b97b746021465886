//! The tenant's custom attribute field definitions: an id, a display name and
//! the shortname that keys every user's values. /1 shows the shortnames, /2
//! the whole definition.

use super::tenant::Tenant;

/// The id of the first seeded field; later ones count up from the last.
pub(crate) const FIRST_FIELD_ID: i64 = 7_001;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldDef {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) shortname: String,
}

impl Tenant {
    /// The shortnames, in order.
    pub(crate) fn shortnames(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.shortname.clone()).collect()
    }

    pub(crate) fn has_field(&self, shortname: &str) -> bool {
        self.fields.iter().any(|f| f.shortname == shortname)
    }

    pub(crate) fn field(&self, id: i64) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Adds a field named after its shortname (no-op if it exists).
    pub(crate) fn add_field(&mut self, shortname: &str) {
        if !self.has_field(shortname) {
            self.define_field(shortname, shortname);
        }
    }

    /// Adds a field; the caller has checked the shortname is free.
    pub(crate) fn define_field(&mut self, name: &str, shortname: &str) -> FieldDef {
        let id = self
            .fields
            .iter()
            .map(|f| f.id + 1)
            .max()
            .unwrap_or(FIRST_FIELD_ID);
        let def = FieldDef {
            id,
            name: name.to_string(),
            shortname: shortname.to_string(),
        };
        self.fields.push(def.clone());
        def
    }

    /// Renames field `id`; a new shortname carries every user's value along.
    pub(crate) fn redefine_field(
        &mut self,
        id: i64,
        name: Option<&str>,
        shortname: Option<&str>,
    ) -> Option<FieldDef> {
        let def = self.fields.iter_mut().find(|f| f.id == id)?;
        if let Some(name) = name {
            def.name = name.to_string();
        }
        if let Some(new) = shortname
            && new != def.shortname
        {
            let old = std::mem::replace(&mut def.shortname, new.to_string());
            for u in self.users.values_mut() {
                if let Some(v) = u.custom.remove(&old) {
                    u.custom.insert(new.to_string(), v);
                }
            }
        }
        self.field(id).cloned()
    }

    /// Removes a field and every value of it.
    pub(crate) fn remove_field(&mut self, shortname: &str) -> bool {
        let before = self.fields.len();
        self.fields.retain(|f| f.shortname != shortname);
        if self.fields.len() == before {
            return false;
        }
        for u in self.users.values_mut() {
            u.custom.remove(shortname);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn define_rename_remove() {
        let mut t = Tenant::seeded(1, 20);
        assert_eq!(t.fields[0].id, FIRST_FIELD_ID);
        assert_eq!(t.fields[0].name, "AWS Role");
        let def = t.define_field("Badge number", "badge");
        assert_eq!(def.id, FIRST_FIELD_ID + 6);
        let id = *t.users.keys().next().unwrap();
        t.users
            .get_mut(&id)
            .unwrap()
            .custom
            .insert("badge".into(), "7".into());
        let renamed = t.redefine_field(def.id, None, Some("badge_no")).unwrap();
        assert_eq!(renamed.name, "Badge number");
        assert_eq!(
            t.users[&id].custom.get("badge_no").map(String::as_str),
            Some("7")
        );
        assert!(!t.has_field("badge"));
        assert!(t.remove_field("badge_no"));
        assert!(!t.users[&id].custom.contains_key("badge_no"));
        assert!(t.redefine_field(1, Some("x"), None).is_none());
    }
}
