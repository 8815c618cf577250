//! The files of an image, in memory: nothing is ever written to disk or executed. Paths are
//! normalised on the way in: `.` and empty parts dropped, a leading `/` taken as the image's
//! own root, and a path that climbs out with `..` refused (recorded, not stored). Symbolic
//! links are recorded as text and only ever resolved inside the tree, never followed out of
//! it; a file "written through" a link is just another path here. No device nodes, set-uid
//! bits or hard links exist: an entry is a file (its bytes and permission bits without the
//! set-id ones), a link, or a directory.
//!
//! A file's facts — its version strings, the tokens and passwords written in it — are read as
//! it arrives, while its bytes are at hand (`Node::file`, `Facts`). Its bytes are then kept whole
//! (`Kept::All`: for `--out`, and for looking at them), or only where an evidence reader will
//! look at them later (`Kept::Evidence`, see `needed`): a program's bytes, most of an image, are
//! read once on arrival and let go, so an analysis holds its configuration and little else.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File {
        /// The bytes, unless the tree let them go (`Kept::Evidence`): then empty, and `size` is
        /// what the file held.
        data: Vec<u8>,
        mode: u32,
        size: u64,
        /// What the bytes say, read on arrival.
        facts: Facts,
    },
    Symlink(String),
    Dir,
}

/// What a file's bytes say, read once as the file arrives, while they are at hand (in the
/// SquashFS reader, on the thread that inflated them): the version strings in them
/// (`components::marks`) and the tokens and passwords written in them
/// (`secrets::credentials_of`, by the file's path inside its filesystem).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub marks: Vec<crate::components::Mark>,
    pub credentials: Vec<iotvet_core::firmware::SecretFound>,
}

impl Facts {
    pub fn of(inside: &str, data: &[u8]) -> Self {
        Self { marks: crate::components::marks(data), credentials: crate::secrets::credentials_of(inside, data) }
    }
}

/// Which files' bytes a tree keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kept {
    /// Every file's: to write them out (`iotvet firmware --out`) or look at them.
    #[default]
    All,
    /// Those an evidence reader looks at after the files are stored (`needed`); every other
    /// file keeps its size, mode and facts.
    Evidence,
}

impl Kept {
    /// Whether a file at `inside` (its path inside its filesystem) with these bytes keeps them.
    pub fn keeps(self, inside: &str, data: &[u8]) -> bool {
        self == Kept::All || needed(inside, data)
    }
}

/// Files over this size are read by no evidence reader but the package databases' and the
/// version strings' (read on arrival).
const MAX_READ: usize = 1 << 20;

/// Whether an evidence reader will look at these bytes after the files are stored: each
/// reader's own test, or one that takes in more — a file that starts with a format (walked for
/// what it holds), a package database (`components`), and of at most 1 MiB: what the update
/// reader reads (`update::reads`), anything under `etc/` (accounts, boot scripts, daemons'
/// configurations), a PEM block or a dropbear host key (`secrets`). The version strings and the
/// tokens and passwords are read on arrival (`Facts`): their files need not stay.
pub fn needed(inside: &str, data: &[u8]) -> bool {
    if crate::starts_with_format(data) || crate::components::PACKAGE_DATABASES.contains(&inside) {
        return true;
    }
    if data.len() > MAX_READ {
        return false;
    }
    let file = inside.rsplit('/').next().unwrap_or(inside);
    inside.starts_with("etc/")
        || inside.contains("/etc/")
        || crate::update::reads(inside, data)
        || (file.starts_with("dropbear_") && file.ends_with("_host_key"))
        || memchr::memmem::find(data, b"-----BEGIN ").is_some()
}

/// A file's bytes as text: borrowed when they are UTF-8 (checked at the speed of
/// `str::from_utf8`, which skips ASCII by words; `String::from_utf8_lossy` walks every byte
/// and was a twentieth of an analysis), else with U+FFFD for what is not.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// One entry of a filesystem a reader opened, as the tree takes it.
pub struct Entry {
    pub path: String,
    pub node: Node,
}

/// What was read: the entries, and the special files left out (devices, FIFOs, sockets).
pub struct Contents {
    pub entries: Vec<Entry>,
    pub special: Vec<String>,
    /// Files whose bytes could not all be read (a damaged block), with why.
    pub damaged: Vec<String>,
}

/// Why the filesystem was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not opened: the reason for the layer's note.
    Unreadable(String),
    /// The files' bytes passed the budget.
    OverBudget,
}

impl Node {
    /// A file as a reader found it at `path` (inside its filesystem or archive), its facts
    /// read now.
    pub fn file(path: &str, data: Vec<u8>, mode: u32) -> Node {
        let facts = Facts::of(&normalise(path).unwrap_or_default(), &data);
        Node::File { size: data.len() as u64, data, mode, facts }
    }

    /// A file read into a buffer its reader keeps (`inside`: its path inside its filesystem,
    /// normalised): its facts read now, its bytes copied out only if `kept` keeps them.
    pub fn file_from(inside: &str, data: &[u8], mode: u32, kept: Kept) -> Node {
        let facts = Facts::of(inside, data);
        let size = data.len() as u64;
        let data = if kept.keeps(inside, data) { data.to_vec() } else { Vec::new() };
        Node::File { data, mode, size, facts }
    }

    /// A file's bytes as a regular file, or as a link's target (filesystems store a symbolic
    /// link's target as its data).
    pub fn file_or_link(link: bool, path: &str, data: Vec<u8>, mode: u32) -> Node {
        if link {
            Node::Symlink(String::from_utf8_lossy(&data).into_owned())
        } else {
            Node::file(path, data, mode)
        }
    }
}

/// Why an entry was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}: the path climbs out of the image with '..'")]
    Escapes(String),
    #[error("{0}: an empty path")]
    Empty(String),
}

#[derive(Debug, Default, Clone)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
    bytes: u64,
    kept: Kept,
}

/// A path made relative to the image's root, or why it cannot be.
pub fn normalise(path: &str) -> Result<String, Refused> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(Refused::Escapes(path.to_owned())),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(Refused::Empty(path.to_owned()));
    }
    Ok(parts.join("/"))
}

impl Tree {
    /// An empty tree that keeps the files' bytes `kept` says.
    pub fn new(kept: Kept) -> Self {
        Self { kept, ..Self::default() }
    }

    /// Stores an entry under `prefix` (the place of its archive in the tree, "" for the root).
    pub fn insert(&mut self, prefix: &str, path: &str, node: Node) -> Result<String, Refused> {
        let path = normalise(path)?;
        let node = match node {
            // Permission bits only: set-uid, set-gid and sticky dropped, types decided here.
            Node::File { data, mode, size, facts } => Node::File {
                data: if self.kept.keeps(&path, &data) { data } else { Vec::new() },
                mode: mode & 0o777,
                size,
                facts,
            },
            other => other,
        };
        let full = if prefix.is_empty() { path } else { format!("{prefix}/{path}") };
        if let Node::File { size, .. } = &node {
            self.bytes += size;
        }
        if let Some(Node::File { size, .. }) = self.nodes.insert(full.clone(), node) {
            self.bytes -= size;
        }
        Ok(full)
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Files and links, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter()
    }

    pub fn files(&self) -> usize {
        self.nodes.values().filter(|n| matches!(n, Node::File { .. })).count()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Bytes of all files, by their sizes (kept or not).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The file a path leads to inside `root` (a filesystem's place in the tree), following
    /// links as the device would — a link's absolute target is read from that filesystem's root,
    /// `..` never goes above it — at most 16 links deep.
    pub fn read(&self, root: &str, path: &str) -> Option<&[u8]> {
        let mut parts: Vec<String> = Vec::new();
        let mut todo: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    parts.pop();
                    continue;
                }
                _ => {}
            }
            parts.push(part);
            let here = join(root, &parts.join("/"));
            if let Some(Node::Symlink(target)) = self.nodes.get(&here) {
                hops += 1;
                if hops > 16 {
                    return None;
                }
                parts.pop();
                if target.starts_with('/') {
                    parts.clear();
                }
                todo.extend(target.split('/').rev().map(str::to_owned));
            }
        }
        match self.nodes.get(&join(root, &parts.join("/"))) {
            Some(Node::File { data, .. }) => Some(data),
            _ => None,
        }
    }
}

/// One filesystem of the tree: the entries under its root that belong to no filesystem found
/// inside it (a ZIP's root holds the SquashFS in its `firmware.bin.extracted`, which is read as
/// a filesystem of its own). What the evidence readers walk.
pub struct Fs<'a> {
    pub tree: &'a Tree,
    pub root: &'a str,
    prefix: String,
    /// Prefixes of the filesystems inside this one.
    inner: Vec<String>,
}

impl<'a> Fs<'a> {
    /// The filesystem at `root`; `roots` are all the filesystems of the image.
    pub fn new(tree: &'a Tree, root: &'a str, roots: &[&str]) -> Self {
        let prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
        let inner =
            roots.iter().filter(|r| r.len() > root.len() && r.starts_with(&prefix)).map(|r| format!("{r}/")).collect();
        Self { tree, root, prefix, inner }
    }

    /// (path inside the filesystem, path in the tree, entry), in path order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, &'a String, &'a Node)> + '_ {
        self.tree
            .nodes
            .range::<str, _>((std::ops::Bound::Included(self.prefix.as_str()), std::ops::Bound::Unbounded))
            .take_while(|(p, _)| p.starts_with(&self.prefix))
            .filter(|(p, _)| !self.inner.iter().any(|i| p.starts_with(i)))
            .map(|(p, n)| (p.get(self.prefix.len()..).unwrap_or_default(), p, n))
    }

    /// The entry at a path inside the filesystem (links not followed).
    pub fn get(&self, inside: &str) -> Option<&'a Node> {
        self.tree.get(&join(self.root, inside))
    }

    /// A file's bytes, links followed inside the filesystem (`Tree::read`).
    pub fn read(&self, inside: &str) -> Option<&'a [u8]> {
        self.tree.read(self.root, inside)
    }
}

fn join(root: &str, path: &str) -> String {
    match (root.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => root.to_owned(),
        (false, false) => format!("{root}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_kept_inside_and_links_resolved_inside() {
        assert_eq!(normalise("/etc//./passwd").unwrap(), "etc/passwd");
        assert!(matches!(normalise("../../etc/passwd"), Err(Refused::Escapes(_))));
        assert!(matches!(normalise("a/../../b"), Err(Refused::Escapes(_))));
        let mut t = Tree::default();
        t.insert("fs", "etc/shadow.real", Node::file("etc/shadow.real", b"root:x".to_vec(), 0o4755)).unwrap();
        t.insert("fs", "etc/shadow", Node::Symlink("/etc/shadow.real".into())).unwrap();
        t.insert("fs", "escape", Node::Symlink("../../../../host/etc/passwd".into())).unwrap();
        assert_eq!(t.read("fs", "etc/shadow"), Some(&b"root:x"[..]));
        // A link that climbs out stops at the filesystem's root.
        assert_eq!(t.read("fs", "escape"), None);
        assert_eq!(t.get("fs/etc/shadow.real"), Some(&Node::file("etc/shadow.real", b"root:x".to_vec(), 0o755)));
        // A loop of links ends.
        t.insert("fs", "a", Node::Symlink("b".into())).unwrap();
        t.insert("fs", "b", Node::Symlink("a".into())).unwrap();
        assert_eq!(t.read("fs", "a"), None);
    }
}
