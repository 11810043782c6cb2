//! Users, their sign-in secrets and the audit log: the types that cross the
//! storage boundary for access control, and the cryptography every backend
//! shares (so that a hash written by one is read by another).
//!
//! - Passwords are hashed with Argon2id at OWASP's parameters (19 MiB,
//!   2 passes, 1 lane); only the PHC string is stored.
//! - Session cookies and API tokens are 32 random bytes; only their SHA-256
//!   is stored, so a copy of the database signs nobody in. (They are random,
//!   not chosen by people, so a fast hash is enough, and a request costs
//!   one hash, not an Argon2 run.)
//! - The audit log is a hash chain: each entry's hash covers its fields and
//!   the previous entry's hash ([`chain_hash`]), so editing, deleting or
//!   reordering an entry breaks every hash after it.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use phuxanh_domain::{Day, Instant, Password, Role, UnitCode, Username};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::{Result, Scope};

/// A user as stored (never their password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: Username,
    pub full_name: String,
    pub role: Role,
    /// The root of the units they may see; `None` for an administrator of
    /// everything.
    pub unit: Option<UnitCode>,
    pub team: Option<String>,
    pub phone: Option<String>,
    pub disabled: bool,
    /// Signed in with a one-time password: must choose their own first.
    pub must_change: bool,
    pub locked_until: Option<Instant>,
    pub created_at: Instant,
}

impl User {
    /// The units this user may see and change: the one place outside the
    /// command line where a [`Scope`] is made.
    pub fn scope(&self) -> Scope {
        match &self.unit {
            Some(unit) => Scope::subtree(unit.clone()),
            None => Scope::everything(),
        }
    }
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub full_name: String,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub team: Option<String>,
    pub phone: Option<String>,
    /// An Argon2id PHC string ([`hash_password`]).
    pub password_hash: String,
    pub must_change: bool,
}

/// One row of a `users import` file: who to create, before a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub username: Username,
    pub full_name: String,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub team: Option<String>,
    pub phone: Option<String>,
}

impl UserRecord {
    /// A role that is not an administrator's needs a unit.
    pub fn check(self) -> Result<UserRecord, String> {
        if self.role != Role::Admin && self.unit.is_none() {
            return Err(format!(
                "a {} is scoped to a unit: give its unit code",
                self.role
            ));
        }
        Ok(self)
    }
}

/// An API token as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub username: Username,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub read_only: bool,
    pub created_at: Instant,
    pub expires_at: Option<Instant>,
    pub revoked_at: Option<Instant>,
    pub last_used_at: Option<Instant>,
}

impl TokenInfo {
    pub fn usable_at(&self, now: Instant) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// A signed-in session as the server finds it from its cookie.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub user: User,
    /// The secret a form or a script must send back with every change.
    pub csrf: String,
    pub created_at: Instant,
    pub last_seen: Instant,
}

impl SessionInfo {
    /// Neither idle too long nor too old, and its user still enabled.
    pub fn current_at(&self, now: Instant, limits: SessionLimits) -> bool {
        let t = now.unix_seconds();
        t - self.last_seen.unix_seconds() <= limits.idle_secs
            && t - self.created_at.unix_seconds() <= limits.absolute_secs
            && !self.user.disabled
    }

    /// Whether its last use is old enough to be worth recording.
    pub fn needs_touch(&self, now: Instant) -> bool {
        now.unix_seconds() - self.last_seen.unix_seconds() >= TOUCH_SECS
    }
}

/// Last uses of sessions and tokens are written at most this often.
pub const TOUCH_SECS: i64 = 60;

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// Ended after this many seconds without a request.
    pub idle_secs: i64,
    /// Ended this many seconds after sign-in, however busy.
    pub absolute_secs: i64,
}

impl Default for SessionLimits {
    fn default() -> SessionLimits {
        SessionLimits {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 3600,
        }
    }
}

/// What a sign-in attempt found, before the password is checked.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// After how many failures in a row an account is locked, and for how long.
pub const LOCK_AFTER: i64 = 5;
pub const LOCK_SECS: i64 = 15 * 60;

/// The outcome of a sign-in attempt, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    Accepted,
    /// A wrong password; `locked_until` when this failure locked the account.
    Refused {
        locked_until: Option<Instant>,
    },
}

/// One thing the audit log records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// `admin`, a user name, `cli:root`, or `-` for an unknown caller.
    pub actor: String,
    /// What happened, e.g. `signin`, `signin.failed`, `personal.view`;
    /// SECURITY.md lists them.
    pub action: String,
    /// The unit it concerned, if one.
    pub unit: Option<UnitCode>,
    /// What exactly: a list, a user, a file, a citizen's masked ID.
    pub subject: String,
    /// How many people or rows, where it counts.
    pub count: Option<i64>,
    /// The client's address, for requests.
    pub address: Option<String>,
}

impl AuditRecord {
    pub fn new(actor: impl Into<String>, action: impl Into<String>) -> AuditRecord {
        AuditRecord {
            actor: actor.into(),
            action: action.into(),
            unit: None,
            subject: String::new(),
            count: None,
            address: None,
        }
    }
    pub fn unit(mut self, unit: &UnitCode) -> Self {
        self.unit = Some(unit.clone());
        self
    }
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }
    pub fn count(mut self, count: i64) -> Self {
        self.count = Some(count);
        self
    }
    pub fn address(mut self, address: Option<String>) -> Self {
        self.address = address;
        self
    }
}

/// An entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Instant,
    pub record: AuditRecord,
    /// SHA-256 (hex) of the entry and the previous entry's hash.
    pub hash: String,
}

/// Which entries `audit` lists.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Entries about this unit or any under it.
    pub unit: Option<UnitCode>,
    pub from: Option<Day>,
    pub to: Option<Day>,
    pub actor: Option<String>,
    /// Entries of this action only (`personal.limit`).
    pub action: Option<String>,
    pub limit: Option<usize>,
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every entry's hash holds; `head` is the last one's, worth writing
    /// down elsewhere (a deleted tail is found only against it).
    Intact { entries: i64, head: String },
    /// The first entry that does not hold, and why.
    Broken { seq: i64, reason: String },
}

/// The previous hash of the first entry.
pub const CHAIN_START: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry: SHA-256 over the previous hash and the entry's
/// fields, written as a JSON array so that no field can bleed into the next.
pub fn chain_hash(previous: &str, seq: i64, at: Instant, r: &AuditRecord) -> String {
    let fields = serde_json::json!([
        previous,
        seq,
        at.unix_seconds(),
        r.actor,
        r.action,
        r.unit.as_ref().map(|u| u.to_string()),
        r.subject,
        r.count,
        r.address,
    ]);
    hex(&Sha256::digest(fields.to_string().as_bytes()))
}

/// Walks entries in order of `seq` and checks the chain.
pub fn verify_chain(entries: impl IntoIterator<Item = AuditEntry>) -> AuditCheck {
    let mut previous = CHAIN_START.to_string();
    let mut n = 0;
    for (expected_seq, e) in (1..).zip(entries) {
        if e.seq != expected_seq {
            return AuditCheck::Broken {
                seq: e.seq,
                reason: format!(
                    "entry {expected_seq} is missing (the next one found is {})",
                    e.seq
                ),
            };
        }
        let hash = chain_hash(&previous, e.seq, e.at, &e.record);
        if hash != e.hash {
            return AuditCheck::Broken {
                seq: e.seq,
                reason: "its hash does not match its content and the entry before it: \
                         it, or an entry before it, was edited, moved or deleted"
                    .into(),
            };
        }
        previous = hash;
        n += 1;
    }
    AuditCheck::Intact {
        entries: n,
        head: previous,
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's first choice for Argon2id: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("fixed parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An Argon2id PHC string of `password` with a fresh salt.
pub fn hash_password(password: &Password) -> String {
    let salt: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt).expect("16 bytes are a valid salt");
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("hashing with valid parameters succeeds")
        .to_string()
}

/// Whether `password` is the one `phc` was made from.
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A one-time password for a new user: 16 characters of a 56-letter
/// alphabet without look-alikes (about 93 bits).
pub fn one_time_password() -> Password {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let s: String = (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    s.parse().expect("16 characters are a valid password")
}

/// A random secret (a session cookie, an API token, a CSRF token): 32
/// bytes as hex, after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", hex(&bytes))
}

/// What is stored of a secret: its SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The prefix API tokens start with, so that a leaked one is recognised.
pub const TOKEN_PREFIX: &str = "pxt_";

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What a backend keeps of users, sessions, tokens and the audit log.
/// Every method is one transaction; audit entries are appended under the
/// write lock, so entries from the command line and the server chain in
/// one order.
pub trait AccessStore {
    /// Creates users, all or none (one transaction); each name must be
    /// free and each unit must exist.
    fn add_users(&mut self, users: &[NewUser]) -> Result<Vec<User>>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<User>>;
    fn user(&self, name: &Username) -> Result<Option<User>>;
    /// Whether any user exists (`serve` refuses an open address without).
    fn has_users(&self) -> Result<bool>;
    /// Disables (ending their sessions and tokens' use) or enables a user.
    fn set_disabled(&mut self, name: &Username, disabled: bool) -> Result<User>;
    /// Replaces a user's password (ending their sessions) and clears a lock.
    fn set_password(
        &mut self,
        name: &Username,
        password_hash: &str,
        must_change: bool,
    ) -> Result<User>;

    /// A user's stored hash, for a sign-in to check.
    fn credentials(&self, name: &Username) -> Result<Option<Credentials>>;
    /// Records a sign-in's outcome: a failure counts towards the lock,
    /// a success clears the count.
    fn record_sign_in(&mut self, user_id: i64, ok: bool, now: Instant) -> Result<SignInOutcome>;

    /// Starts a session; returns the cookie's secret and its CSRF token.
    fn create_session(&mut self, user_id: i64, now: Instant) -> Result<(String, String)>;
    /// The session of a cookie's secret, if it is current (a read: a
    /// server's read connections answer it).
    fn session(
        &self,
        secret: &str,
        now: Instant,
        limits: SessionLimits,
    ) -> Result<Option<SessionInfo>>;
    /// Moves a session's last use to `now` (at most once a minute, to spare
    /// writes), which keeps it from the idle limit.
    fn touch_session(&mut self, secret: &str, now: Instant) -> Result<()>;
    /// Ends a session (sign-out).
    fn end_session(&mut self, secret: &str) -> Result<()>;

    /// A token for `user`; returns its secret, shown once.
    fn create_token(
        &mut self,
        user: &Username,
        expires_at: Option<Instant>,
        read_only: bool,
    ) -> Result<(String, TokenInfo)>;
    fn tokens(&self) -> Result<Vec<TokenInfo>>;
    /// Revokes a token by number; false if there is none.
    fn revoke_token(&mut self, id: i64, now: Instant) -> Result<bool>;
    /// The token of a bearer secret and its user, if it exists (usable or
    /// not: the caller says which and why).
    fn token(&self, secret: &str) -> Result<Option<(TokenInfo, User)>>;
    /// Notes a token's use (at most once a minute per token).
    fn touch_token(&mut self, id: i64, now: Instant) -> Result<()>;

    /// Appends an entry to the audit log.
    fn audit(&mut self, record: &AuditRecord) -> Result<AuditEntry>;
    /// Entries matching `query`, oldest first.
    fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// Checks the whole chain.
    fn verify_audit(&self) -> Result<AuditCheck>;
    /// How many personal records `actor` viewed or exported since `since`.
    fn personal_records_since(&self, actor: &str, since: Instant) -> Result<i64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, previous: &str, action: &str) -> AuditEntry {
        let at = Instant::from_unix_seconds(1_700_000_000 + seq);
        let record = AuditRecord::new("lan", action).count(3);
        AuditEntry {
            seq,
            at,
            hash: chain_hash(previous, seq, at, &record),
            record,
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let previous = out
                .last()
                .map_or(CHAIN_START.to_string(), |e| e.hash.clone());
            out.push(entry(seq, &previous, "personal.view"));
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies_and_names_its_head() {
        let c = chain(4);
        let head = c[3].hash.clone();
        assert_eq!(verify_chain(c), AuditCheck::Intact { entries: 4, head });
    }

    #[test]
    fn an_edit_a_deletion_and_a_swap_are_each_found() {
        let mut edited = chain(4);
        edited[1].record.count = Some(1);
        assert!(matches!(
            verify_chain(edited),
            AuditCheck::Broken { seq: 2, .. }
        ));

        let mut deleted = chain(4);
        deleted.remove(2);
        assert!(matches!(
            verify_chain(deleted),
            AuditCheck::Broken { seq: 4, .. }
        ));

        // Swapped and renumbered, so that the numbers run on.
        let mut swapped = chain(4);
        swapped.swap(1, 2);
        swapped[1].seq = 2;
        swapped[2].seq = 3;
        assert!(matches!(
            verify_chain(swapped),
            AuditCheck::Broken { seq: 2, .. }
        ));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let p: Password = "mật khẩu đủ dài".parse().unwrap();
        let phc = hash_password(&p);
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(&phc, "mật khẩu đủ dài"));
        assert!(!verify_password(&phc, "mat khau du dai"));
        assert!(!verify_password("not a hash", "x"));
        assert_ne!(phc, hash_password(&p), "each hash has its own salt");
    }

    #[test]
    fn secrets_are_random_and_stored_as_hashes() {
        let a = new_secret(TOKEN_PREFIX);
        assert!(a.starts_with("pxt_") && a.len() == 4 + 64);
        assert_ne!(a, new_secret(TOKEN_PREFIX));
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
        assert_eq!(one_time_password().expose().len(), 16);
    }
}
