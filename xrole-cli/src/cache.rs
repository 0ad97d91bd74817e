//! The credential cache's directory and files, trusted only when they are the
//! running user's own: a directory another user created, or one others may
//! write, is refused; every path is opened relative to the checked directory
//! and never through a symbolic link; an entry is read only from a regular file
//! of the user's, readable by nobody else, and at most [`MAX_ENTRY_BYTES`] of
//! it; temporaries are created exclusively. A local user without the secrets
//! can neither read an entry nor plant one.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;

use rustix::fs::{FileType, Mode, OFlags, fstat, openat, renameat, unlinkat};
use rustix::io::Errno;

use crate::CliError;

/// A cache entry is a few hundred bytes: anything longer is not one of ours.
pub(crate) const MAX_ENTRY_BYTES: u64 = 64 * 1024;

/// The cache directory, checked once and held open.
pub(crate) struct CacheDir {
    fd: OwnedFd,
    path: PathBuf,
}

/// Why a path in the cache was refused.
fn refused(path: &std::path::Path, why: impl Into<String>) -> CliError {
    CliError::Cache {
        path: path.to_owned(),
        why: why.into(),
    }
}

fn io(context: String) -> impl FnOnce(Errno) -> CliError {
    move |e| CliError::Io {
        context,
        source: e.into(),
    }
}

impl CacheDir {
    /// The user's cache directory (`XROLE_CACHE_DIR` overrides it, an absolute
    /// path), created 0700 if missing, refused unless it is a directory (not a
    /// link to one) owned by the running user that no one else may write.
    pub(crate) fn open() -> Result<Self, CliError> {
        let path = match std::env::var_os("XROLE_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::cache_dir()
                .ok_or(CliError::NoCacheDirectory)?
                .join("xrole"),
        };
        if !path.is_absolute() {
            return Err(refused(&path, "XROLE_CACHE_DIR must be an absolute path"));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(CliError::io(format!("cannot create {}", parent.display())))?;
        }
        match rustix::fs::mkdir(&path, Mode::RWXU) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(io(format!("cannot create {}", path.display()))(e)),
        }
        let fd = rustix::fs::open(
            &path,
            OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR => {
                refused(&path, "not a directory (a symbolic link is never followed)")
            }
            e => io(format!("cannot open {}", path.display()))(e),
        })?;
        let st = fstat(&fd).map_err(io(format!("cannot inspect {}", path.display())))?;
        if st.st_uid != rustix::process::geteuid().as_raw() {
            return Err(refused(
                &path,
                format!(
                    "owned by user {}, not by the running user: another user's directory is never used",
                    st.st_uid
                ),
            ));
        }
        let mode = Mode::from_raw_mode(st.st_mode);
        if mode.intersects(Mode::WGRP | Mode::WOTH) {
            return Err(refused(
                &path,
                "others may write to it; make it the user's alone (chmod 700) or choose another XROLE_CACHE_DIR",
            ));
        }
        if mode.intersects(Mode::RWXG | Mode::RWXO) {
            rustix::fs::fchmod(&fd, Mode::RWXU)
                .map_err(io(format!("cannot restrict {}", path.display())))?;
        }
        Ok(Self { fd, path })
    }

    fn at(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Opens `name` in the directory, never through a link, and checks that it
    /// is a regular file of the running user's that no one else may read or
    /// write. `None` for a file that is missing or not such a file.
    fn open_own(&self, name: &str, flags: OFlags) -> Result<Option<File>, CliError> {
        let fd = match openat(
            &self.fd,
            name,
            flags | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::RUSR | Mode::WUSR,
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::LOOP | Errno::NXIO) => return Ok(None),
            Err(e) => return Err(io(format!("cannot open {}", self.at(name).display()))(e)),
        };
        let st = fstat(&fd).map_err(io(format!("cannot inspect {}", self.at(name).display())))?;
        let mode = Mode::from_raw_mode(st.st_mode);
        let own = FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
            && st.st_uid == rustix::process::geteuid().as_raw()
            && !mode.intersects(Mode::RWXG | Mode::RWXO);
        Ok(own.then(|| File::from(fd)))
    }

    /// The bytes of entry `name`, when it is the user's own regular file of at
    /// most [`MAX_ENTRY_BYTES`]; `None` otherwise (never trusted, replaced).
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        let file = self.open_own(name, OFlags::RDONLY).ok()??;
        let mut bytes = Vec::new();
        file.take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        (bytes.len() as u64 <= MAX_ENTRY_BYTES).then_some(bytes)
    }

    /// Writes entry `name` whole or not at all: a new temporary file of the
    /// user's (0600, created exclusively), then a rename over the entry.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), CliError> {
        let tmp = format!(
            "{name}.tmp{}-{:016x}",
            std::process::id(),
            u64::from_le_bytes(crate::random::<8>("a temporary file name")?)
        );
        let fd = openat(
            &self.fd,
            tmp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::RUSR | Mode::WUSR,
        )
        .map_err(io(format!("cannot write {}", self.at(&tmp).display())))?;
        let mut file = File::from(fd);
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(CliError::io(format!(
                "cannot write {}",
                self.at(&tmp).display()
            )))
            .and_then(|()| {
                renameat(&self.fd, tmp.as_str(), &self.fd, name)
                    .map_err(io(format!("cannot write {}", self.at(name).display())))
            });
        if written.is_err() {
            let _ = unlinkat(&self.fd, tmp.as_str(), rustix::fs::AtFlags::empty());
        }
        written
    }

    /// The lock file `name`, created 0600 if missing; refused unless it is the
    /// user's own regular file.
    pub(crate) fn lock_file(&self, name: &str) -> Result<File, CliError> {
        self.open_own(name, OFlags::RDWR | OFlags::CREATE)?
            .ok_or_else(|| {
                refused(
                    &self.at(name),
                    "not a regular file of the running user's alone: remove it",
                )
            })
    }

    /// Where entry `name` is, for messages.
    pub(crate) fn path_of(&self, name: &str) -> PathBuf {
        self.at(name)
    }
}
