//! A dishonest client or server in backup, recovery and refresh, through the generic serde
//! mutator of `tandem_testkit::mutate`: every field of every message changed, dropped,
//! duplicated or reordered; whole messages dropped, duplicated, replayed from another session
//! or delivered out of order. The honest party refuses naming the dishonest party, or
//! finishes with shares that combine to the wallet's key; no error shows a secret share.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use tandem_backup::eject::combine;
use tandem_curves::{Curve, CurveId, Ed25519, Secp256k1};
use tandem_protocol::driver::{self, NoTap};
use tandem_protocol::reshare::{Backup, Operation, Recover, Refresh};
use tandem_protocol::reshare::{ClientConfirmMsg, CommitMsg, ServerConfirmMsg, ServerSeedMsg};
use tandem_protocol::{BackupShare, Sharing};
use tandem_protocol::{KeyShare, ProtocolId, Role};
use tandem_testkit::message::rng;
use tandem_testkit::mutate::{Mutation, Proto, Run, Stats, TapFn, attack_both, mutations};
use tandem_testkit::reshare_steps::reshare_steps;

fn signing_pair<C: Curve>() -> (KeyShare<C>, KeyShare<C>) {
    driver::keygen::<C, _, _, _>(&mut rng(21), &mut rng(22), &mut NoTap).unwrap()
}

fn backup_pair<C: Curve>() -> (BackupShare<C>, BackupShare<C>) {
    let (c, s) = signing_pair::<C>();
    driver::reshare::<Backup, C, _, _, _>(&c, &s, &mut rng(23), &mut rng(24), &mut NoTap).unwrap()
}

fn secret_hex<C: Curve>(share: &KeyShare<C>) -> Vec<String> {
    let mut b = share.secret().to_bytes().to_vec();
    let fwd = base16ct::lower::encode_string(&b);
    b.reverse();
    vec![fwd, base16ct::lower::encode_string(&b)]
}

/// Operation `O` on curve `C` from a fixed source pair.
struct Reshare<O: Operation, C: Curve> {
    client: O::Source<C>,
    server: O::Source<C>,
}

impl<O: Operation, C: Curve> Proto for Reshare<O, C> {
    type Out = O::Target<C>;
    const NAME: &'static str = match (O::PROTOCOL, C::ID) {
        (ProtocolId::Backup, CurveId::Ed25519) => "backup Ed25519",
        (ProtocolId::Backup, _) => "backup secp256k1",
        (ProtocolId::Recover, CurveId::Ed25519) => "recover Ed25519",
        (ProtocolId::Recover, _) => "recover secp256k1",
        (_, CurveId::Ed25519) => "refresh Ed25519",
        _ => "refresh secp256k1",
    };
    const MSGS: usize = 4;
    fn run(&self, seed: u64, tap: &mut TapFn<'_>) -> Run<Self::Out> {
        let mut run = Run::default();
        let (client, server) =
            reshare_steps::<O, C, _>(&self.client, &self.server, seed, &mut run, tap);
        run.client = client;
        run.server = server;
        run
    }
    fn mutations(&self, idx: usize, p: &[u8]) -> (Vec<Mutation>, Stats) {
        match idx {
            1 => mutations::<CommitMsg>(p),
            2 => mutations::<ServerSeedMsg<C>>(p),
            3 => mutations::<ClientConfirmMsg<C>>(p),
            _ => mutations::<ServerConfirmMsg<C>>(p),
        }
    }
    fn check(&self, run: Run<Self::Out>) -> Result<(), String> {
        let key = self.client.key_share().public_key();
        for (role, t) in [(Role::Client, &run.client), (Role::Server, &run.server)] {
            if let Some(t) = t {
                let k = t.key_share();
                if k.role() != role || k.secret().public_point() != k.public_shares().of(role) {
                    return Err(format!("{role}'s new share is inconsistent"));
                }
                if k.public_key() != key {
                    return Err(format!("{role}'s new share is for another key"));
                }
                if k.sharing_id() == self.client.key_share().sharing_id() {
                    return Err(format!("{role}'s new share reuses the source sharing"));
                }
            }
        }
        if let (Some(c), Some(s)) = (&run.client, &run.server) {
            combine(c, s).map_err(|e| format!("new shares do not combine: {e}"))?;
        }
        Ok(())
    }
    fn secrets(&self, seed: u64, role: Role) -> Vec<String> {
        let source = if role == Role::Client {
            &self.client
        } else {
            &self.server
        };
        let mut out = secret_hex(source.key_share());
        let run = self.run(seed, &mut |_, _, _| {});
        out.extend(secret_hex(run.out(role).unwrap().key_share()));
        out
    }
}

fn signing<O: Operation<Source<C> = KeyShare<C>>, C: Curve>() -> Reshare<O, C> {
    let (client, server) = signing_pair::<C>();
    Reshare { client, server }
}

#[test]
fn backup_ed25519_dishonest_peer() {
    attack_both(&signing::<Backup, Ed25519>(), 60);
}

#[test]
fn backup_secp256k1_dishonest_peer() {
    attack_both(&signing::<Backup, Secp256k1>(), 60);
}

#[test]
fn refresh_ed25519_dishonest_peer() {
    attack_both(&signing::<Refresh, Ed25519>(), 60);
}

#[test]
fn recover_ed25519_dishonest_peer() {
    let (client, server) = backup_pair::<Ed25519>();
    attack_both(&Reshare::<Recover, Ed25519> { client, server }, 60);
}

#[test]
fn recover_secp256k1_dishonest_peer() {
    let (client, server) = backup_pair::<Secp256k1>();
    attack_both(&Reshare::<Recover, Secp256k1> { client, server }, 60);
}
