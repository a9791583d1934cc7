//! [`retry`]: run an operation again after a failure, with exponential backoff.
//!
//! The delay before attempt `n + 1` is `initial_delay * multiplier^(n - 1)`, capped at
//! `max_delay`, then shortened by a random fraction up to `jitter` (so that many clients
//! that failed together do not retry together). The sleeps are checkpoints: cancelling
//! the task ends the retry loop with the cancellation. A failure that is a cancellation
//! is never retried: each attempt is judged by weft's one rule
//! ([`weft::cancel::outcome`](weft_executor::cancel::outcome)), so an attempt cancelled
//! in any wait (a queue get, a lock, a socket read) ends the loop at once, whatever error
//! type carries the `Cancelled`: yours, `Box<dyn Error + Send + Sync>`, `anyhow::Error`.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft_executor::Cancelled;

/// A `retry_if` predicate, erased: `None` when the error is not of the predicate's type.
type Predicate = Arc<dyn Fn(&dyn Any) -> Option<bool> + Send + Sync>;

/// How [`retry`] retries. Build one with [`RetryPolicy::builder`].
///
/// ```
/// use std::time::Duration;
/// let p = weft::RetryPolicy::builder()
///     .max_attempts(5)
///     .initial_delay(Duration::from_millis(100))
///     .multiplier(2.0)
///     .max_delay(Duration::from_secs(1))
///     .build()
///     .unwrap();
/// assert_eq!(p.delay_before(2), Duration::from_millis(100));
/// assert_eq!(p.delay_before(4), Duration::from_millis(400));
/// assert_eq!(p.delay_before(9), Duration::from_secs(1)); // capped
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_delay: Duration,
    multiplier: f64,
    max_delay: Duration,
    jitter: f64,
    retry_if: Option<Predicate>,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_delay", &self.initial_delay)
            .field("multiplier", &self.multiplier)
            .field("max_delay", &self.max_delay)
            .field("jitter", &self.jitter)
            .field("retry_if", &self.retry_if.is_some())
            .finish()
    }
}

/// Builds a [`RetryPolicy`]; [`build`](Self::build) checks it.
///
/// ```
/// use std::time::Duration;
/// use weft::{RetryPolicy, RetryPolicyBuilder};
/// let base: RetryPolicyBuilder = RetryPolicy::builder().initial_delay(Duration::from_millis(50));
/// // A builder is a value: derive several policies from one base.
/// let patient = base.clone().max_attempts(10).build().unwrap();
/// let hasty = base.max_attempts(1).build().unwrap();
/// assert_eq!((patient.max_attempts(), hasty.max_attempts()), (10, 1));
/// assert_eq!(patient.delay_before(2), Duration::from_millis(50));
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicyBuilder {
    policy: RetryPolicy,
}

/// A [`RetryPolicy`] that cannot work.
///
/// ```
/// use weft::{RetryPolicy, RetryPolicyError};
/// let e = RetryPolicy::builder().multiplier(0.5).build().unwrap_err();
/// assert_eq!(e, RetryPolicyError::InvalidMultiplier(0.5));
/// assert_eq!(e.to_string(), "invalid backoff multiplier 0.5 (expected >= 1)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RetryPolicyError {
    /// `max_attempts(0)`: the operation would never run.
    ZeroAttempts,
    /// A multiplier below 1 or not finite.
    InvalidMultiplier(f64),
    /// A jitter outside `0.0..=1.0`.
    InvalidJitter(f64),
}

impl fmt::Display for RetryPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryPolicyError::ZeroAttempts => f.write_str("a retry policy needs at least one attempt"),
            RetryPolicyError::InvalidMultiplier(m) => {
                write!(f, "invalid backoff multiplier {m} (expected >= 1)")
            }
            RetryPolicyError::InvalidJitter(j) => write!(f, "invalid jitter {j} (expected 0.0..=1.0)"),
        }
    }
}

impl Error for RetryPolicyError {}

impl RetryPolicy {
    /// Defaults: 3 attempts, 100 ms initial delay, multiplier 2, 10 s cap, no jitter,
    /// every failure retried.
    ///
    /// ```
    /// let p = weft::RetryPolicy::builder().build().unwrap();
    /// assert_eq!(p.max_attempts(), 3);
    /// assert!(weft::RetryPolicy::builder().max_attempts(0).build().is_err());
    /// ```
    pub fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder {
            policy: RetryPolicy {
                max_attempts: 3,
                initial_delay: Duration::from_millis(100),
                multiplier: 2.0,
                max_delay: Duration::from_secs(10),
                jitter: 0.0,
                retry_if: None,
            },
        }
    }

    /// How many times the operation runs at most.
    ///
    /// ```
    /// let p = weft::RetryPolicy::builder().max_attempts(5).build().unwrap();
    /// assert_eq!(p.max_attempts(), 5);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before attempt `attempt` (2 for the first retry), without jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = weft::RetryPolicy::builder()
    ///     .initial_delay(Duration::from_millis(100))
    ///     .multiplier(3.0)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(p.delay_before(1), Duration::ZERO); // the first attempt runs at once
    /// assert_eq!(p.delay_before(2), Duration::from_millis(100));
    /// assert_eq!(p.delay_before(3), Duration::from_millis(300));
    /// ```
    pub fn delay_before(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let factor = self.multiplier.powi(attempt.saturating_sub(2).min(i32::MAX as u32) as i32);
        let secs = self.initial_delay.as_secs_f64() * factor;
        Duration::try_from_secs_f64(secs).map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    fn jittered(&self, d: Duration) -> Duration {
        if self.jitter == 0.0 {
            return d;
        }
        d.mul_f64(1.0 - self.jitter * random_unit())
    }

    fn should_retry(&self, e: &dyn Any) -> bool {
        // A predicate for another error type never matches (see `retry_if`).
        self.retry_if.as_ref().is_none_or(|p| p(e).unwrap_or(false))
    }
}

impl RetryPolicyBuilder {
    /// Runs of the operation at most (at least 1).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use weft::{retry, RetryPolicy};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let policy =
    ///     RetryPolicy::builder().max_attempts(2).initial_delay(Duration::from_millis(1)).build().unwrap();
    /// let calls = AtomicU32::new(0);
    /// let r: Result<(), std::io::Error> = retry(&policy, |_attempt| {
    ///     calls.fetch_add(1, Ordering::Relaxed);
    ///     async { Err(std::io::Error::other("down")) }
    /// })
    /// .await;
    /// assert!(r.is_err());
    /// assert_eq!(calls.load(Ordering::Relaxed), 2, "ran twice, then gave up");
    /// # });
    /// ```
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.policy.max_attempts = n;
        self
    }
    /// Delay before the first retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = weft::RetryPolicy::builder().initial_delay(Duration::from_millis(250)).build().unwrap();
    /// assert_eq!(p.delay_before(2), Duration::from_millis(250));
    /// assert_eq!(p.delay_before(3), Duration::from_millis(500)); // the default multiplier, 2
    /// ```
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.policy.initial_delay = d;
        self
    }
    /// Each delay is this many times the previous one (at least 1).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::RetryPolicy;
    /// let steady = RetryPolicy::builder().multiplier(1.0).build().unwrap();
    /// assert_eq!(steady.delay_before(2), Duration::from_millis(100));
    /// assert_eq!(steady.delay_before(5), Duration::from_millis(100)); // no growth
    /// assert!(RetryPolicy::builder().multiplier(0.5).build().is_err());
    /// ```
    pub fn multiplier(mut self, m: f64) -> Self {
        self.policy.multiplier = m;
        self
    }
    /// The cap on a delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = weft::RetryPolicy::builder()
    ///     .initial_delay(Duration::from_secs(1))
    ///     .max_delay(Duration::from_secs(5))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(p.delay_before(3), Duration::from_secs(2));
    /// assert_eq!(p.delay_before(10), Duration::from_secs(5)); // 256 s, capped
    /// ```
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.policy.max_delay = d;
        self
    }
    /// Each delay is shortened by a random fraction up to `j` (0.0 to 1.0).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::{RetryPolicy, RetryPolicyError};
    /// let p = RetryPolicy::builder().jitter(0.25).build().unwrap();
    /// // `delay_before` is the delay before jitter: each sleep is 75% to 100% of it.
    /// assert_eq!(p.delay_before(2), Duration::from_millis(100));
    /// let e = RetryPolicy::builder().jitter(1.5).build().unwrap_err();
    /// assert_eq!(e, RetryPolicyError::InvalidJitter(1.5));
    /// ```
    pub fn jitter(mut self, j: f64) -> Self {
        self.policy.jitter = j;
        self
    }
    /// Retries only failures for which `pred` is true (others are returned at once).
    /// `pred` takes the operation's error type `E`; a policy used with an operation whose
    /// error is of another type retries nothing (the predicate cannot say yes).
    ///
    /// ```
    /// use std::io::{Error, ErrorKind};
    /// use std::time::Duration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let p = weft::RetryPolicy::builder()
    ///     .initial_delay(Duration::from_millis(1))
    ///     .retry_if(|e: &Error| e.kind() == ErrorKind::ConnectionRefused)
    ///     .build()
    ///     .unwrap();
    /// // Refused: retried until the attempts are used up.
    /// let mut tries = 0;
    /// let r: Result<(), Error> = weft::retry(&p, |_| {
    ///     tries += 1;
    ///     async { Err(Error::from(ErrorKind::ConnectionRefused)) }
    /// }).await;
    /// assert_eq!((r.unwrap_err().kind(), tries), (ErrorKind::ConnectionRefused, 3));
    /// // Any other failure: returned at once.
    /// let mut tries = 0;
    /// let r: Result<(), Error> = weft::retry(&p, |_| {
    ///     tries += 1;
    ///     async { Err(Error::from(ErrorKind::PermissionDenied)) }
    /// }).await;
    /// assert_eq!((r.unwrap_err().kind(), tries), (ErrorKind::PermissionDenied, 1));
    /// # });
    /// ```
    pub fn retry_if<E: 'static>(mut self, pred: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.policy.retry_if = Some(Arc::new(move |e: &dyn Any| e.downcast_ref::<E>().map(&pred)));
        self
    }
    /// Checks and returns the policy.
    ///
    /// ```
    /// use weft::{RetryPolicy, RetryPolicyError};
    /// assert!(RetryPolicy::builder().max_attempts(1).build().is_ok());
    /// let e = RetryPolicy::builder().max_attempts(0).build().unwrap_err();
    /// assert_eq!(e, RetryPolicyError::ZeroAttempts);
    /// let e = RetryPolicy::builder().multiplier(f64::NAN).build().unwrap_err();
    /// assert!(matches!(e, RetryPolicyError::InvalidMultiplier(m) if m.is_nan()));
    /// ```
    pub fn build(self) -> Result<RetryPolicy, RetryPolicyError> {
        let p = self.policy;
        if p.max_attempts == 0 {
            return Err(RetryPolicyError::ZeroAttempts);
        }
        if !(p.multiplier.is_finite() && p.multiplier >= 1.0) {
            return Err(RetryPolicyError::InvalidMultiplier(p.multiplier));
        }
        if !(0.0..=1.0).contains(&p.jitter) {
            return Err(RetryPolicyError::InvalidJitter(p.jitter));
        }
        Ok(p)
    }
}

/// Runs `op(attempt)` (attempt counts from 1) until it succeeds, a failure is not to be
/// retried, or the attempts are used up; returns the last result. The sleeps between
/// attempts are checkpoints.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use weft::{retry, Interrupted, RetryPolicy};
/// # #[derive(Debug)] enum E { Flaky, Cancelled(weft::Cancelled) }
/// # impl std::fmt::Display for E { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{self:?}") } }
/// # impl std::error::Error for E {}
/// # impl From<weft::Cancelled> for E { fn from(c: weft::Cancelled) -> E { E::Cancelled(c) } }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let policy = RetryPolicy::builder().max_attempts(4).initial_delay(Duration::from_millis(1)).build().unwrap();
/// let calls = AtomicU32::new(0);
/// let r = retry(&policy, |attempt| {
///     calls.fetch_add(1, Ordering::Relaxed);
///     async move { if attempt < 3 { Err(E::Flaky) } else { Ok(attempt) } }
/// }).await;
/// assert_eq!(r.unwrap(), 3);
/// assert_eq!(calls.load(Ordering::Relaxed), 3);
/// # });
/// ```
pub async fn retry<Op, Fut, T, E>(policy: &RetryPolicy, mut op: Op) -> Result<T, E>
where
    Op: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<Cancelled> + 'static,
{
    let mut attempt = 1;
    loop {
        let watch = weft_executor::cancel::watch();
        match op(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let cancelled = watch.is_propagating();
                if cancelled || attempt >= policy.max_attempts || !policy.should_retry(&e) {
                    return Err(e);
                }
            }
        }
        attempt += 1;
        let delay = policy.jittered(policy.delay_before(attempt));
        weft_executor::time::sleep(delay).await?;
    }
}

/// A number in `[0, 1)`, from a per-process xorshift generator (jitter needs spread,
/// not cryptographic quality).
fn random_unit() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}
