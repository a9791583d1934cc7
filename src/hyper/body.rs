//! Bodies: [`Full`], a body known in full, and [`collect`], which reads a body to the end.

use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::error::Error;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What [`collect`] fails with: the body's own error, or the [`Cancelled`](crate::Cancelled)
/// of the task (found by [`weft::is_cancellation`](crate::is_cancellation)).
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// A body whose bytes are all known when it is made: one data frame, then the end
/// (http-body-util's `Full`). Its size hint is exact, so hyper sends a
/// `content-length`.
///
/// ```
/// use http_body::Body;
/// let b = weft::hyper::Full::new("hello");
/// assert_eq!(b.size_hint().exact(), Some(5));
/// assert!(weft::hyper::Full::empty().is_end_stream());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Full {
    data: Option<Bytes>,
}

impl Full {
    /// A body of `data`.
    pub fn new(data: impl Into<Bytes>) -> Full {
        let data: Bytes = data.into();
        Full { data: (!data.is_empty()).then_some(data) }
    }

    /// An empty body.
    pub fn empty() -> Full {
        Full { data: None }
    }
}

impl Body for Full {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

/// Reads `body` to its end and returns its data (trailers are dropped). A checkpoint at
/// every wait: a cancelled read returns the [`Cancelled`](crate::Cancelled), boxed.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let data = weft::hyper::collect(weft::hyper::Full::new("abc")).await?;
/// assert_eq!(data, "abc");
/// # Ok::<(), weft::hyper::BoxError>(()) }).unwrap();
/// ```
pub async fn collect<B>(body: B) -> Result<Bytes, BoxError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    loop {
        let frame = poll_fn(|cx| {
            if let Err(c) = crate::cancel::check() {
                return Poll::Ready(Some(Err(BoxError::from(c))));
            }
            body.as_mut().poll_frame(cx).map(|f| f.map(|r| r.map_err(Into::into)))
        })
        .await;
        let Some(frame) = frame else { break };
        let Ok(mut data) = frame?.into_data() else { continue }; // trailers
        if first.is_none() && rest.is_empty() {
            // The first frame (often the only one): no copy for `Bytes` data.
            first = Some(data.copy_to_bytes(data.remaining()));
            continue;
        }
        if let Some(f) = first.take() {
            rest.extend_from_slice(&f);
        }
        while data.has_remaining() {
            let n = data.chunk().len();
            rest.extend_from_slice(data.chunk());
            data.advance(n);
        }
    }
    Ok(match first {
        Some(f) => f,
        None => Bytes::from(rest),
    })
}
