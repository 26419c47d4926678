//! Frames on the wire: a 4-byte big-endian length, then the protocol version byte, then one
//! message in the codec's encoding. A frame longer than the hard limit is refused before it
//! is read, so a peer cannot make the other side allocate what it likes.

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::store::codec;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u8 = 3;
/// The largest frame either side sends or takes (version byte and message).
pub const MAX_FRAME: usize = 8 * 1024 * 1024;

/// A frame that could not be read or made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    /// Longer than [`MAX_FRAME`].
    #[error("a frame of {0} bytes is over the limit of {MAX_FRAME}")]
    TooLarge(usize),
    /// No version byte.
    #[error("an empty frame")]
    Empty,
    /// Another protocol version.
    #[error(
        "the other side speaks protocol version {0}, this one {PROTOCOL_VERSION}; update careerdesk on the older side"
    )]
    Version(u8),
    /// The message does not decode.
    #[error("a frame that does not decode: {0}")]
    Garbled(String),
    /// The connection closed or failed.
    #[error("the connection closed ({0})")]
    Closed(String),
}

/// A message as one frame's bytes (length prefix included).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let body = codec::encode_body(message).map_err(|e| FrameError::Garbled(e.to_string()))?;
    let len = body.len() + 1;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    let mut out = Vec::with_capacity(4 + len);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.push(PROTOCOL_VERSION);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes one frame's contents (after the length prefix).
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, FrameError> {
    let (&version, body) = frame.split_first().ok_or(FrameError::Empty)?;
    if version != PROTOCOL_VERSION {
        return Err(FrameError::Version(version));
    }
    codec::decode_body(body).map_err(|e| FrameError::Garbled(e.to_string()))
}

/// Writes one message as a frame.
pub async fn write<W: AsyncWrite + Unpin, T: Serialize>(w: &mut W, message: &T) -> Result<(), FrameError> {
    let bytes = encode(message)?;
    let closed = |e: std::io::Error| FrameError::Closed(e.to_string());
    w.write_all(&bytes).await.map_err(closed)?;
    w.flush().await.map_err(closed)
}

/// Reads one frame and decodes it.
pub async fn read<R: AsyncRead + Unpin, T: DeserializeOwned>(r: &mut R) -> Result<T, FrameError> {
    let closed = |e: std::io::Error| FrameError::Closed(e.to_string());
    let mut len = [0u8; 4];
    r.read_exact(&mut len).await.map_err(closed)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    let mut frame = vec![0u8; len];
    r.read_exact(&mut frame).await.map_err(closed)?;
    decode(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::message::{Reply, Request};
    use proptest::prelude::*;

    #[test]
    fn a_message_round_trips_and_another_version_is_named() {
        let bytes = encode(&Request::Bye).unwrap();
        assert_eq!(decode::<Request>(&bytes[4..]).unwrap(), Request::Bye);
        let mut other = bytes[4..].to_vec();
        other[0] = 9;
        assert_eq!(decode::<Request>(&other), Err(FrameError::Version(9)));
        assert_eq!(decode::<Request>(&[]), Err(FrameError::Empty));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_oversize_length_is_refused_before_it_is_read() {
        let mut wire: &[u8] = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        let got: Result<Request, _> = read(&mut wire).await;
        assert_eq!(got, Err(FrameError::TooLarge(0xffff_ffff)));
    }

    proptest! {
        #[test]
        fn random_bytes_are_a_clean_error_or_a_message_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode::<Request>(&bytes);
            let _ = decode::<Reply>(&bytes);
            let mut framed = (bytes.len() as u32).to_be_bytes().to_vec();
            framed.extend_from_slice(&bytes);
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let mut wire: &[u8] = &framed;
            let got: Result<Request, FrameError> = rt.block_on(read(&mut wire));
            if let Ok(message) = got {
                // Whatever decodes encodes back to a frame that decodes the same.
                let again = encode(&message).unwrap();
                prop_assert_eq!(decode::<Request>(&again[4..]).unwrap(), message);
            }
        }
    }
}
