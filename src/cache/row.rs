//! A user's list columns as the file holds them, borrowed while the file is read.

use crate::api::User;

/// One user's list columns as the file holds them, borrowed from the reading (see
/// [`Store::read_rows`]): `roles` is the ids comma-joined, `custom` the custom
/// attributes as a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachedRow<'a> {
    pub id: i64,
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub firstname: Option<&'a str>,
    pub lastname: Option<&'a str>,
    pub samaccountname: Option<&'a str>,
    pub userprincipalname: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub department: Option<&'a str>,
    pub title: Option<&'a str>,
    pub company: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub status: Option<i64>,
    pub state: Option<i64>,
    pub directory_id: Option<i64>,
    pub manager_ad_id: Option<i64>,
    pub group_id: Option<i64>,
    pub roles: Option<&'a str>,
    pub custom: Option<&'a str>,
    pub created_at: Option<&'a str>,
    pub updated_at: Option<&'a str>,
    pub locked_until: Option<&'a str>,
}

impl CachedRow<'_> {
    /// The role ids (`roles` read back).
    pub fn role_ids(&self) -> Option<Vec<i64>> {
        self.roles
            .map(|t| t.split(',').filter_map(|p| p.trim().parse().ok()).collect())
    }

    /// The row as a `User` with these fields (the others unset).
    pub fn to_user(&self) -> User {
        let s = |v: Option<&str>| v.map(str::to_string);
        User {
            id: self.id,
            email: s(self.email),
            username: s(self.username),
            firstname: s(self.firstname),
            lastname: s(self.lastname),
            samaccountname: s(self.samaccountname),
            userprincipalname: s(self.userprincipalname),
            external_id: s(self.external_id),
            department: s(self.department),
            title: s(self.title),
            company: s(self.company),
            phone: s(self.phone),
            status: self.status,
            state: self.state,
            directory_id: self.directory_id,
            manager_ad_id: self.manager_ad_id,
            group_id: self.group_id,
            role_id: self.role_ids(),
            custom_attributes: self
                .custom
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default(),
            created_at: s(self.created_at),
            updated_at: s(self.updated_at),
            locked_until: s(self.locked_until),
            ..User::default()
        }
    }
}
