//! `Debug` for the protocol states that hold secrets (key shares, key contributions, nonces,
//! Paillier keys, MtA masks): each prints as `module::Type(<redacted>)`, nothing of its
//! fields. States holding only public values have no `Debug`.

use tandem_curves::{Curve, redacted_debug};

use crate::ecdsa::{aux_info, full_sign, presign, sign};
use crate::{eddsa, keygen};

redacted_debug! {
    impl<C: Curve> keygen::ClientAwaitingServerShare<C> => "keygen::ClientAwaitingServerShare";
    impl<C: Curve> keygen::ClientAwaitingServerProof<C> => "keygen::ClientAwaitingServerProof";
    impl<C: Curve> keygen::ServerAwaitingOpening<C> => "keygen::ServerAwaitingOpening";
    impl aux_info::ClientAwaitingReveal => "aux_info::ClientAwaitingReveal";
    impl aux_info::ClientOpened => "aux_info::ClientOpened";
    impl aux_info::ClientAwaitingProofs => "aux_info::ClientAwaitingProofs";
    impl aux_info::ServerAwaitingOpening => "aux_info::ServerAwaitingOpening";
    impl aux_info::ServerAwaitingProofs => "aux_info::ServerAwaitingProofs";
    impl presign::ClientAwaitingServer => "presign::ClientAwaitingServer";
    impl presign::ClientAwaitingServerRound3 => "presign::ClientAwaitingServerRound3";
    impl presign::ServerAwaitingClient => "presign::ServerAwaitingClient";
    impl sign::ClientAwaitingPartial => "sign::ClientAwaitingPartial";
    impl full_sign::ClientAwaitingServer1 => "full_sign::ClientAwaitingServer1";
    impl full_sign::ClientAwaitingServer2 => "full_sign::ClientAwaitingServer2";
    impl full_sign::ServerAwaitingClient1 => "full_sign::ServerAwaitingClient1";
    impl eddsa::sign::ClientAwaitingResponse => "eddsa::sign::ClientAwaitingResponse";
}
