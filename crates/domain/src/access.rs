//! Who may do what: the roles of Phủ Xanh's users and their names.
//!
//! A user is scoped to a unit subtree (the store's `Scope`); the role says
//! what they may do inside it. SECURITY.md gives the
//! whole table; these methods are the one place it is written in code.

use std::fmt;
use std::str::FromStr;

/// What a user may do inside their units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, everywhere: users, settings, the audit log.
    Admin,
    /// Read and write in their unit and below: targets, campaigns,
    /// reports, events; personal lists with full ID numbers, and their export.
    Manager,
    /// The personal lists and intake of the units their team covers: ID
    /// numbers masked, phones and addresses shown; no exports, no targets.
    Team,
    /// Aggregate figures only, never a person.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Team, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Team => "team",
            Role::Viewer => "viewer",
        }
    }

    /// The role's name in Vietnamese.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị",
            Role::Manager => "Quản lý đơn vị",
            Role::Team => "Tổ công tác",
            Role::Viewer => "Chỉ xem số liệu",
        }
    }

    /// May see records of individual citizens (lists, held events).
    pub fn sees_persons(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// Sees whole ID numbers; the others see them masked (`083******789`).
    pub fn sees_full_ids(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    /// May export a personal list (CSV, XLSX).
    pub fn exports_persons(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    /// May record lifecycle events (intake).
    pub fn records_events(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// May change targets and campaigns and issue reports in their units.
    pub fn manages(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown role '{s}': use admin, manager, team or viewer"))
    }
}

/// A user's sign-in name: 2 to 64 of `a-z 0-9 . _ -`, starting with a
/// letter or digit, kept in lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Username {
    type Err = String;
    fn from_str(s: &str) -> Result<Username, String> {
        let name = s.trim().to_ascii_lowercase();
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if !(2..=64).contains(&name.len()) {
            return Err(format!("user name '{s}' must be 2 to 64 characters long"));
        }
        if !name.chars().all(ok_char) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "user name '{s}' may hold only letters a–z without diacritics, digits, '.', '_' and '-', and starts with a letter or digit (e.g. `ca.chothanh`)"
            ));
        }
        Ok(Username(name))
    }
}

/// A password as a user chose it: at least 10 characters, at most 256.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

impl FromStr for Password {
    type Err = String;
    fn from_str(s: &str) -> Result<Password, String> {
        let n = s.chars().count();
        if n < Password::MIN_CHARS {
            return Err(format!(
                "the password is too short: at least {} characters",
                Password::MIN_CHARS
            ));
        }
        if n > 256 {
            return Err("the password is too long: at most 256 characters".into());
        }
        Ok(Password(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_say_what_they_may_do() {
        assert_eq!("Manager".parse::<Role>(), Ok(Role::Manager));
        assert!(
            "boss"
                .parse::<Role>()
                .unwrap_err()
                .contains("admin, manager")
        );
        assert!(!Role::Viewer.sees_persons());
        assert!(Role::Team.sees_persons() && !Role::Team.sees_full_ids());
        assert!(Role::Manager.exports_persons() && !Role::Team.exports_persons());
    }

    #[test]
    fn user_names_are_plain_and_lower_case() {
        assert_eq!(
            "CA.ChoThanh".parse::<Username>().unwrap().as_str(),
            "ca.chothanh"
        );
        assert!("a".parse::<Username>().is_err());
        assert!("công.an".parse::<Username>().is_err());
        assert!("-x".parse::<Username>().is_err());
        assert!("x'; DROP TABLE users".parse::<Username>().is_err());
    }

    #[test]
    fn passwords_have_a_length_and_never_print() {
        assert!("short".parse::<Password>().is_err());
        let p: Password = "đủ dài rồi nhé".parse().unwrap();
        assert_eq!(format!("{p:?}"), "Password(…)");
    }
}
