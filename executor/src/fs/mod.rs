//! Files, on the blocking pool: what a tokio user expects of `tokio::fs`.
//!
//! Disks do not tell an event loop when they are ready, so each operation runs on the
//! blocking pool ([`crate::spawn_blocking`]) and is awaited. Every call is a
//! checkpoint. **What a cancellation leaves behind**: the thread cannot be interrupted,
//! so a cancelled call may still happen (a file may be written, a directory created);
//! the caller just stops waiting for it. A [`File`]'s cancelled read loses no data (the
//! bytes are kept for the next read).
//!
//! ```
//! # weft::Runtime::new().unwrap().block_on(async {
//! let dir = std::env::temp_dir().join(format!("weft-doc-fs-{}", std::process::id()));
//! weft::fs::create_dir_all(&dir).await?;
//! let path = dir.join("greeting.txt");
//! weft::fs::write(&path, "hello").await?;
//! assert_eq!(weft::fs::read_to_string(&path).await?, "hello");
//! assert_eq!(weft::fs::metadata(&path).await?.len(), 5);
//! let mut entries = weft::fs::read_dir(&dir).await?;
//! let first = entries.next_entry().await?.unwrap();
//! assert_eq!(first.file_name(), "greeting.txt");
//! weft::fs::remove_dir_all(&dir).await?;
//! let e = weft::fs::read(&path).await.unwrap_err();
//! assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```

mod file;

pub use file::{File, OpenOptions};

use crate::blocking::BlockingTask;
use std::collections::VecDeque;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Runs `f` on the blocking pool: a checkpoint, `Other` outside a runtime.
pub(crate) async fn blocking<R, F>(f: F) -> io::Result<R>
where
    F: FnOnce() -> io::Result<R> + Send + 'static,
    R: Send + 'static,
{
    crate::cancel::checkpoint().await?;
    joined(start(f)?.await)
}

pub(crate) fn start<R, F>(f: F) -> io::Result<BlockingTask<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let handle =
        crate::context::handle().ok_or_else(|| io::Error::other("weft: file I/O outside a weft runtime"))?;
    Ok(crate::blocking::task::spawn_on(&handle, f))
}

pub(crate) fn joined<R>(r: Result<io::Result<R>, crate::JoinError>) -> io::Result<R> {
    match r {
        Ok(r) => r,
        Err(e) => Err(match e.as_cancelled() {
            Some(c) => crate::io::cancelled_error(c.clone()),
            None => io::Error::other(e.to_string()),
        }),
    }
}

macro_rules! path_fn {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $std:path) => {
        $(#[$doc])*
        pub async fn $name($($arg: $ty),*) -> io::Result<$ret> {
            $(let $arg = $arg.as_ref().to_owned();)*
            blocking(move || $std($(&$arg),*)).await
        }
    };
}

path_fn!(
    /// The whole file: `std::fs::read`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-read-{}", std::process::id()));
    /// std::fs::write(&path, [1, 2, 3])?;
    /// assert_eq!(weft::fs::read(&path).await?, [1, 2, 3]);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    read(path: impl AsRef<Path>) -> Vec<u8> = std::fs::read
);
path_fn!(
    /// The whole file as UTF-8: `std::fs::read_to_string`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-read_to_string-{}", std::process::id()));
    /// std::fs::write(&path, "hi")?;
    /// assert_eq!(weft::fs::read_to_string(&path).await?, "hi");
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    read_to_string(path: impl AsRef<Path>) -> String = std::fs::read_to_string
);
path_fn!(
    /// Metadata, following symbolic links: `std::fs::metadata`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-metadata-{}", std::process::id()));
    /// std::fs::write(&path, "four")?;
    /// let m = weft::fs::metadata(&path).await?;
    /// assert!(m.is_file());
    /// assert_eq!(m.len(), 4);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    metadata(path: impl AsRef<Path>) -> Metadata = std::fs::metadata
);
path_fn!(
    /// Metadata of the link itself: `std::fs::symlink_metadata`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-symlink_metadata-{}", std::process::id()));
    /// std::os::unix::fs::symlink("/nonexistent-target", &path)?;
    /// assert!(weft::fs::symlink_metadata(&path).await?.file_type().is_symlink());
    /// assert!(weft::fs::metadata(&path).await.is_err()); // the target is missing
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    symlink_metadata(path: impl AsRef<Path>) -> Metadata = std::fs::symlink_metadata
);
path_fn!(
    /// Creates a directory: `std::fs::create_dir`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-create_dir-{}", std::process::id()));
    /// weft::fs::create_dir(&dir).await?;
    /// assert!(dir.is_dir());
    /// assert_eq!(weft::fs::create_dir(&dir).await.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    /// std::fs::remove_dir(&dir)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    create_dir(path: impl AsRef<Path>) -> () = std::fs::create_dir
);
path_fn!(
    /// Creates a directory and its parents: `std::fs::create_dir_all`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-create_dir_all-{}", std::process::id()));
    /// weft::fs::create_dir_all(dir.join("a/b")).await?;
    /// assert!(dir.join("a/b").is_dir());
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    create_dir_all(path: impl AsRef<Path>) -> () = std::fs::create_dir_all
);
path_fn!(
    /// Removes a file: `std::fs::remove_file`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-remove_file-{}", std::process::id()));
    /// std::fs::write(&path, "x")?;
    /// weft::fs::remove_file(&path).await?;
    /// assert!(!path.exists());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    remove_file(path: impl AsRef<Path>) -> () = std::fs::remove_file
);
path_fn!(
    /// Removes an empty directory: `std::fs::remove_dir`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-remove_dir-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// weft::fs::remove_dir(&dir).await?;
    /// assert!(!dir.exists());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    remove_dir(path: impl AsRef<Path>) -> () = std::fs::remove_dir
);
path_fn!(
    /// Removes a directory and everything in it: `std::fs::remove_dir_all`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-remove_dir_all-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join("sub"))?;
    /// std::fs::write(dir.join("sub/file"), "x")?;
    /// weft::fs::remove_dir_all(&dir).await?;
    /// assert!(!dir.exists());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    remove_dir_all(path: impl AsRef<Path>) -> () = std::fs::remove_dir_all
);
path_fn!(
    /// The absolute path with every link resolved: `std::fs::canonicalize`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-canonicalize-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let p = weft::fs::canonicalize(dir.join("..").join(dir.file_name().unwrap())).await?;
    /// assert!(p.is_absolute());
    /// assert_eq!(p, std::fs::canonicalize(&dir)?);
    /// std::fs::remove_dir(&dir)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    canonicalize(path: impl AsRef<Path>) -> PathBuf = std::fs::canonicalize
);
path_fn!(
    /// Where a symbolic link points: `std::fs::read_link`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-read_link-{}", std::process::id()));
    /// std::os::unix::fs::symlink("/etc", &path)?;
    /// assert_eq!(weft::fs::read_link(&path).await?, std::path::Path::new("/etc"));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    read_link(path: impl AsRef<Path>) -> PathBuf = std::fs::read_link
);
path_fn!(
    /// Renames (moves) a file or directory: `std::fs::rename`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-rename-{}", std::process::id()));
    /// let to = path.with_extension("moved");
    /// std::fs::write(&path, "x")?;
    /// weft::fs::rename(&path, &to).await?;
    /// assert!(!path.exists() && to.exists());
    /// std::fs::remove_file(&to)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> () = std::fs::rename
);
path_fn!(
    /// Copies a file's contents and permissions; returns the bytes copied: `std::fs::copy`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-copy-{}", std::process::id()));
    /// let to = path.with_extension("copy");
    /// std::fs::write(&path, "hello")?;
    /// assert_eq!(weft::fs::copy(&path, &to).await?, 5);
    /// assert_eq!(std::fs::read(&to)?, b"hello");
    /// std::fs::remove_file(&path)?;
    /// std::fs::remove_file(&to)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> u64 = std::fs::copy
);
path_fn!(
    /// A hard link: `std::fs::hard_link`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-hard_link-{}", std::process::id()));
    /// let link = path.with_extension("link");
    /// std::fs::write(&path, "shared")?;
    /// weft::fs::hard_link(&path, &link).await?;
    /// assert_eq!(std::fs::read_to_string(&link)?, "shared");
    /// std::fs::remove_file(&path)?;
    /// std::fs::remove_file(&link)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> () = std::fs::hard_link
);
path_fn!(
    /// Whether the path exists (an error if that cannot be told): `Path::try_exists`.
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-doc-try_exists-{}", std::process::id()));
    /// assert!(!weft::fs::try_exists(&path).await?);
    /// std::fs::write(&path, "x")?;
    /// assert!(weft::fs::try_exists(&path).await?);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    try_exists(path: impl AsRef<Path>) -> bool = Path::try_exists
);

/// Writes `contents` to `path`, replacing the file: `std::fs::write`.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-doc-write-{}", std::process::id()));
/// weft::fs::write(&path, "first").await?;
/// weft::fs::write(&path, b"second").await?;
/// assert_eq!(std::fs::read_to_string(&path)?, "second");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let (path, contents) = (path.as_ref().to_owned(), contents.as_ref().to_owned());
    blocking(move || std::fs::write(path, contents)).await
}

/// Sets a file's permissions: `std::fs::set_permissions`.
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-doc-set_permissions-{}", std::process::id()));
/// std::fs::write(&path, "x")?;
/// let mut perm = std::fs::metadata(&path)?.permissions();
/// perm.set_readonly(true);
/// weft::fs::set_permissions(&path, perm).await?;
/// assert!(std::fs::metadata(&path)?.permissions().readonly());
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    blocking(move || std::fs::set_permissions(path, perm)).await
}

/// A directory's entries: [`ReadDir::next_entry`] gives them one by one (fetched from
/// the blocking pool in batches).
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-doc-read_dir-{}", std::process::id()));
/// std::fs::create_dir(&dir)?;
/// std::fs::write(dir.join("only"), "x")?;
/// let mut entries = weft::fs::read_dir(&dir).await?;
/// assert_eq!(entries.next_entry().await?.unwrap().file_name(), "only");
/// assert!(entries.next_entry().await?.is_none());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let inner = blocking(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir { inner: Some(inner), pending: None, batch: VecDeque::new() })
}

/// The entries of a directory: see [`read_dir`].
///
/// ```
/// # weft::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-doc-ReadDir-{}", std::process::id()));
/// std::fs::create_dir(&dir)?;
/// let mut entries: weft::fs::ReadDir = weft::fs::read_dir(&dir).await?;
/// assert!(entries.next_entry().await?.is_none()); // empty
/// std::fs::remove_dir(&dir)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReadDir {
    /// `None` while a batch is fetched, and at the end.
    inner: Option<std::fs::ReadDir>,
    /// The batch being fetched; kept across a cancelled call, so that nothing is lost.
    pending: Option<BlockingTask<Batch>>,
    batch: VecDeque<io::Result<std::fs::DirEntry>>,
}

type Batch = (VecDeque<io::Result<std::fs::DirEntry>>, std::fs::ReadDir);

/// Entries fetched per trip to the blocking pool.
const BATCH: usize = 32;

impl ReadDir {
    /// The next entry, or `None` at the end. A checkpoint; a cancelled call loses no
    /// entry (it is given by the next).
    ///
    /// ```
    /// # weft::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-next_entry-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// for name in ["a", "b", "c"] {
    ///     std::fs::write(dir.join(name), name)?;
    /// }
    /// let mut entries = weft::fs::read_dir(&dir).await?;
    /// let mut names = Vec::new();
    /// while let Some(e) = entries.next_entry().await? {
    ///     names.push(e.file_name());
    /// }
    /// names.sort();
    /// assert_eq!(names, ["a", "b", "c"]);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<std::fs::DirEntry>> {
        loop {
            if let Some(e) = self.batch.pop_front() {
                return e.map(Some);
            }
            if self.pending.is_none() {
                let Some(mut inner) = self.inner.take() else { return Ok(None) };
                crate::cancel::checkpoint().await?;
                self.pending = Some(start(move || {
                    let batch: VecDeque<_> = inner.by_ref().take(BATCH).collect();
                    (batch, inner)
                })?);
            }
            let task = self.pending.as_mut().expect("a batch is being fetched");
            let (batch, inner) = match task.await {
                Ok(v) => v,
                // Cancelled while the batch is fetched: the task keeps it for the next call.
                Err(e) if e.as_cancelled().is_some() => {
                    return Err(joined::<()>(Err(e)).unwrap_err());
                }
                Err(e) => {
                    self.pending = None;
                    return Err(joined::<()>(Err(e)).unwrap_err());
                }
            };
            self.pending = None;
            if batch.is_empty() {
                return Ok(None);
            }
            self.batch = batch;
            self.inner = Some(inner);
        }
    }
}
