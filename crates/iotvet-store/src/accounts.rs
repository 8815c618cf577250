//! Accounts: people with a role (admin, analyst, viewer), their sessions, and API tokens for
//! machines. Passwords are hashed with Argon2id (the `argon2` crate, its default parameters:
//! 19 MiB, 2 passes), each with a random salt. Session and API tokens are 32 random bytes the
//! holder keeps; the register keeps only their SHA-256, so a copy of the database opens no
//! session. A session lasts `SESSION_SECONDS` and carries its own CSRF token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::db::Val;
use crate::{now, sha256_hex, unix_now, Columns, Store, StoreError};

/// What an account may do; each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the register.
    Viewer,
    /// Runs, uploads and publishes.
    Analyst,
    /// Manages accounts.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// How long a session lasts (12 hours), in seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// The shortest password an account may have.
pub const MIN_PASSWORD: usize = 12;

/// 32 random bytes, URL-safe base64: a session or API token, a CSRF token, a salt.
pub fn random_token() -> Result<String, StoreError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Invalid(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("the password could not be hashed: {e}")))
}

/// A hash verified when the account does not exist, so a wrong name takes as long as a wrong
/// password (no telling which accounts exist by timing).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not the password of any account").unwrap_or_default())
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

impl Store {
    /// Adds an account; its name is 1–64 letters, digits and `._-@`, its password at least
    /// `MIN_PASSWORD` characters.
    pub fn add_user(&mut self, name: &str, password: &str, role: Role) -> Result<i64, StoreError> {
        if !valid_name(name) {
            return Err(StoreError::Invalid(format!(
                "an account's name is 1 to 64 letters, digits, '.', '_', '-' or '@' (not {name:?})"
            )));
        }
        if password.chars().count() < MIN_PASSWORD {
            return Err(StoreError::Invalid(format!("a password has at least {MIN_PASSWORD} characters")));
        }
        let hash = hash_password(password)?;
        self.conn
            .insert(
                "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                &[name.into(), hash.into(), role.as_str().into(), now().into()],
            )
            .map_err(|e| match e {
                StoreError::Database(m) if m.to_lowercase().contains("unique") => {
                    StoreError::Invalid(format!("there is already an account named {name}"))
                }
                e => e,
            })
    }

    /// Every account: (user, disabled).
    pub fn users(&mut self) -> Result<Vec<(User, bool)>, StoreError> {
        let rows = self.conn.query("SELECT id, name, role, disabled FROM users ORDER BY name", &[])?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let c = Columns(r);
                Some((User { id: c.int(0), name: c.text(1), role: Role::parse(&c.text(2))? }, c.int(3) != 0))
            })
            .collect())
    }

    /// Disables or enables an account (a disabled account's sessions and tokens stop working);
    /// false when there is no such account.
    pub fn set_disabled(&mut self, name: &str, disabled: bool) -> Result<bool, StoreError> {
        Ok(self.conn.exec("UPDATE users SET disabled = ? WHERE name = ?", &[disabled.into(), name.into()])? > 0)
    }

    /// The account whose name and password these are (and not disabled).
    pub fn check_password(&mut self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        let rows = self
            .conn
            .query("SELECT id, name, role, password_hash FROM users WHERE name = ? AND disabled = 0", &[name.into()])?;
        let Some(r) = rows.first() else {
            verify(password, decoy_hash());
            return Ok(None);
        };
        let c = Columns(r);
        if !verify(password, &c.text(3)) {
            return Ok(None);
        }
        Ok(Role::parse(&c.text(2)).map(|role| User { id: c.int(0), name: c.text(1), role }))
    }

    /// Opens a session for an account: (its token, its CSRF token). Expired sessions are
    /// removed on the way.
    pub fn new_session(&mut self, user: &User) -> Result<(String, String), StoreError> {
        let (token, csrf) = (random_token()?, random_token()?);
        let now_s = unix_now();
        self.conn.exec("DELETE FROM sessions WHERE expires_at < ?", &[Val::Int(now_s)])?;
        self.conn.exec(
            "INSERT INTO sessions (token_sha256, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            &[
                sha256_hex(&token).into(),
                Val::Int(user.id),
                csrf.as_str().into(),
                now().into(),
                Val::Int(now_s + SESSION_SECONDS),
            ],
        )?;
        Ok((token, csrf))
    }

    /// The account of a live session and the session's CSRF token.
    pub fn session(&mut self, token: &str) -> Result<Option<(User, String)>, StoreError> {
        let rows = self.conn.query(
            "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ? AND s.expires_at >= ? AND u.disabled = 0",
            &[sha256_hex(token).into(), Val::Int(unix_now())],
        )?;
        Ok(rows.first().and_then(|r| {
            let c = Columns(r);
            Some((User { id: c.int(0), name: c.text(1), role: Role::parse(&c.text(2))? }, c.text(3)))
        }))
    }

    /// Ends a session (signing out).
    pub fn end_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.conn.exec("DELETE FROM sessions WHERE token_sha256 = ?", &[sha256_hex(token).into()])?;
        Ok(())
    }

    /// Makes an API token for an account (a manufacturer's CI, a bench): returned once, kept
    /// only as its SHA-256.
    pub fn new_api_token(&mut self, name: &str, label: &str) -> Result<String, StoreError> {
        let rows = self.conn.query("SELECT id FROM users WHERE name = ?", &[name.into()])?;
        let Some(id) = rows.first().map(|r| Columns(r).int(0)) else {
            return Err(StoreError::Invalid(format!("there is no account named {name}")));
        };
        let token = format!("iotvet_{}", random_token()?);
        self.conn.exec(
            "INSERT INTO api_tokens (user_id, token_sha256, label, created_at) VALUES (?, ?, ?, ?)",
            &[Val::Int(id), sha256_hex(&token).into(), label.into(), now().into()],
        )?;
        Ok(token)
    }

    /// The account an API token belongs to (not disabled).
    pub fn token_user(&mut self, token: &str) -> Result<Option<User>, StoreError> {
        let rows = self.conn.query(
            "SELECT u.id, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_sha256 = ? AND u.disabled = 0",
            &[sha256_hex(token).into()],
        )?;
        Ok(rows.first().and_then(|r| {
            let c = Columns(r);
            Some(User { id: c.int(0), name: c.text(1), role: Role::parse(&c.text(2))? })
        }))
    }
}
