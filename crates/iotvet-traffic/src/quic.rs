//! The ClientHello inside a QUIC client Initial (RFC 9001 §5): Initial packets are encrypted
//! with keys anyone can derive from the client's destination connection id and a public salt,
//! so the hello (SNI, versions, suites, ALPN) can be read from a capture. HKDF, AES-128-GCM and
//! the AES header-protection mask are ring's; the packet layout and the CRYPTO frames are read
//! here, every read checked.

use ring::aead::{self, quic, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;

use iotvet_wire::client_hello::{self, ClientHello};

const V1_SALT: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f,
    0x0a,
];
const V2_SALT: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e,
    0xd9,
];

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
fn expand_label(prk: &hkdf::Prk, label: &str, len: usize) -> Option<Vec<u8>> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(u8::try_from(full.len()).ok()?);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0u8; len];
    prk.expand(&[&info], Len(len)).ok()?.fill(&mut out).ok()?;
    Some(out)
}

/// A QUIC variable-length integer (RFC 9000 §16) at the start of `b`: (value, its length).
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let first = *b.first()?;
    let len = 1usize << (first >> 6);
    let mut v = u64::from(first & 0x3f);
    for i in 1..len {
        v = (v << 8) | u64::from(*b.get(i)?);
    }
    Some((v, len))
}

/// The destination connection id of the long-header packet at the start of `datagram`.
fn destination_id(datagram: &[u8]) -> Option<&[u8]> {
    let len = usize::from(*datagram.get(5)?);
    datagram.get(6..6 + len)
}

/// Decrypts one Initial packet at the start of `datagram`, the client's or (`server`) the
/// server's, with keys from the client's original destination connection id (RFC 9001 §5.2:
/// the Initial keys never change, even when later packets carry another id); returns its
/// plaintext frames and the packet's length (coalesced packets follow).
fn open_initial(datagram: &[u8], original_dcid: &[u8], server: bool) -> Option<(Vec<u8>, usize)> {
    let first = *datagram.first()?;
    let version = u32::from_be_bytes(datagram.get(1..5)?.try_into().ok()?);
    let (salt, prefix, initial_type) = match version {
        0x0000_0001 => (&V1_SALT, "quic", 0),
        0x6b33_43cf => (&V2_SALT, "quicv2", 1),
        _ => return None,
    };
    if first & 0x80 == 0 || (first >> 4) & 0x03 != initial_type {
        return None;
    }
    let mut at = 5;
    let dcid_len = usize::from(*datagram.get(at)?);
    at += 1 + dcid_len;
    let scid_len = usize::from(*datagram.get(at)?);
    at += 1 + scid_len;
    let (token_len, n) = varint(datagram.get(at..)?)?;
    at += n + usize::try_from(token_len).ok()?;
    let (length, n) = varint(datagram.get(at..)?)?;
    at += n;
    let pn_offset = at;
    let length = usize::try_from(length).ok()?;
    let end = pn_offset.checked_add(length)?;
    let packet = datagram.get(..end)?;

    let initial = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(original_dcid);
    let client = expand_label(&initial, if server { "server in" } else { "client in" }, 32)?;
    let client = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, &client);
    let key = expand_label(&client, &format!("{prefix} key"), 16)?;
    let iv = expand_label(&client, &format!("{prefix} iv"), 12)?;
    let hp = expand_label(&client, &format!("{prefix} hp"), 16)?;

    let sample = packet.get(pn_offset + 4..pn_offset + 20)?;
    let mask = quic::HeaderProtectionKey::new(&quic::AES_128, &hp).ok()?.new_mask(sample).ok()?;
    let mut header = packet.get(..pn_offset)?.to_vec();
    let first = first ^ (mask.first()? & 0x0f);
    if let Some(b) = header.first_mut() {
        *b = first;
    }
    let pn_len = usize::from(first & 0x03) + 1;
    let mut pn = 0u64;
    for i in 0..pn_len {
        let byte = packet.get(pn_offset + i)? ^ mask.get(1 + i)?;
        header.push(byte);
        pn = (pn << 8) | u64::from(byte);
    }
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&iv);
    for (n, p) in nonce.iter_mut().rev().zip(pn.to_be_bytes().iter().rev()) {
        *n ^= p;
    }
    let key = LessSafeKey::new(UnboundKey::new(&aead::AES_128_GCM, &key).ok()?);
    let mut payload = packet.get(pn_offset + pn_len..)?.to_vec();
    let plain = key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(&header), &mut payload).ok()?;
    Some((plain.to_vec(), end))
}

/// CRYPTO frames of a packet's plaintext: (offset, data). Other frames are skipped where their
/// length can be told (PADDING, PING, ACK); anything else ends the reading.
fn crypto_frames(plain: &[u8], out: &mut Vec<(u64, Vec<u8>)>) {
    let mut at = 0;
    while let Some(&kind) = plain.get(at) {
        match kind {
            0x00 | 0x01 => at += 1,
            0x02 | 0x03 => {
                // ACK: largest, delay, range count, first range, then ranges (and ECN counts).
                let mut fields = 4usize;
                let mut i = at + 1;
                let mut ranges = 0;
                for f in 0..fields {
                    let Some((v, n)) = plain.get(i..).and_then(varint) else { return };
                    if f == 2 {
                        ranges = v as usize;
                    }
                    i += n;
                }
                fields = ranges * 2 + if kind == 0x03 { 3 } else { 0 };
                for _ in 0..fields.min(256) {
                    let Some((_, n)) = plain.get(i..).and_then(varint) else { return };
                    i += n;
                }
                at = i;
            }
            0x06 => {
                let Some((offset, n1)) = plain.get(at + 1..).and_then(varint) else { return };
                let Some((len, n2)) = plain.get(at + 1 + n1..).and_then(varint) else { return };
                let start = at + 1 + n1 + n2;
                let Some(data) = plain.get(start..start + len as usize) else { return };
                out.push((offset, data.to_vec()));
                at = start + len as usize;
            }
            _ => return,
        }
    }
}

/// The CRYPTO stream of the Initial packets among `datagrams`, in offset order.
fn crypto_stream(datagrams: &[&[u8]], original_dcid: &[u8], server: bool) -> Vec<u8> {
    let mut frames = Vec::new();
    for d in datagrams {
        let mut rest: &[u8] = d;
        while !rest.is_empty() {
            let Some((plain, used)) = open_initial(rest, original_dcid, server) else { break };
            crypto_frames(&plain, &mut frames);
            rest = rest.get(used..).unwrap_or_default();
        }
    }
    frames.sort_by_key(|(o, _)| *o);
    let mut stream = Vec::new();
    for (offset, data) in frames {
        let Ok(offset) = usize::try_from(offset) else { break };
        if offset <= stream.len() {
            let skip = stream.len() - offset;
            stream.extend_from_slice(data.get(skip..).unwrap_or_default());
        }
        if stream.len() > 65_536 {
            break;
        }
    }
    stream
}

/// The ClientHello carried by the client's Initial packets among the first datagrams.
pub fn client_hello_of(datagrams: &[&[u8]]) -> Option<ClientHello> {
    let dcid = destination_id(datagrams.first()?)?;
    client_hello::read_message(&crypto_stream(datagrams, dcid, false))
}

/// The ServerHello of the server's Initial packets, decrypted with the keys of the client's
/// first Initial (its original destination connection id).
pub fn server_hello_of(client_first: &[u8], server: &[&[u8]]) -> Option<iotvet_wire::tls::ServerHello> {
    let dcid = destination_id(client_first)?;
    iotvet_wire::tls::read_server_hello_message(&crypto_stream(server, dcid, true))
}

/// The ClientHello of a QUIC flow's first client datagram.
pub fn client_hello(first: &[u8]) -> Option<ClientHello> {
    client_hello_of(&[first])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9001 Appendix A.2: the client Initial of the example, protected.
    #[test]
    fn the_rfc_9001_example_initial_opens() {
        let hex = "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f3991c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df621230c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c2084dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f89937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c7468449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663ac69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009ddc324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450efc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03adea2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e72404790a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f440591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f0940054da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd46840647e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934";
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap(), 16).unwrap()).collect();
        let hello = client_hello(&bytes).expect("the example decrypts to a ClientHello");
        assert_eq!(hello.sni.as_deref(), Some("example.com"));
        assert!(hello.supported_versions.contains(&0x0304));
        assert!(client_hello(bytes.get(..200).unwrap()).is_none(), "cut short");
        let mut broken = bytes.clone();
        if let Some(b) = broken.get_mut(400) {
            *b ^= 1;
        }
        assert!(client_hello(&broken).is_none(), "the AEAD tag catches a flipped bit");
    }
}
