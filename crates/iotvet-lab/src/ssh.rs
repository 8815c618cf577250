//! The hub's SSH server: real SSH (russh), public-key authentication only, so no password can
//! ever log in. No key is authorised either: the lab has no users.

use std::sync::Arc;
use std::time::Duration;

use russh::server::{Auth, Config, Handler};
use russh::{MethodKind, MethodSet, SshId};
use tokio::net::TcpListener;

struct KeysOnly;

impl Handler for KeysOnly {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
            partial_success: false,
        })
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
            partial_success: false,
        })
    }
}

/// A fresh Ed25519 host key, from the system's random generator.
pub fn host_key() -> Result<russh::keys::PrivateKey, String> {
    use ring::rand::SecureRandom;
    let mut seed = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut seed).map_err(|_| "no system randomness".to_owned())?;
    let pair = russh::keys::ssh_key::private::Ed25519Keypair::from_seed(&seed);
    Ok(russh::keys::PrivateKey::from(pair))
}

pub async fn serve(listener: TcpListener, key: russh::keys::PrivateKey) {
    let config = Arc::new(Config {
        server_id: SshId::Standard("SSH-2.0-HubOS_SSH_2.1".into()),
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        keys: vec![key],
        auth_rejection_time: Duration::from_millis(50),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        inactivity_timeout: Some(Duration::from_secs(30)),
        max_auth_attempts: 6,
        ..Config::default()
    });
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let config = config.clone();
        tokio::spawn(async move {
            if let Ok(session) = russh::server::run_stream(config, tcp, KeysOnly).await {
                let _ = tokio::time::timeout(Duration::from_secs(60), session).await;
            }
        });
    }
}
