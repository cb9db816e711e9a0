//! A file's bytes, in pages shared between a disk's two images.
//!
//! A file is a length and a sparse map of 4 KiB pages; a page that is not
//! in the map reads as zeros (a hole). Pages are reference-counted, so the
//! durable and the volatile image of a synced file share them, and a write
//! copies only the page it changes (`Rc::make_mut`). One GiB of synced data
//! costs one GiB and about 3.5% of map and allocation overhead (measured by
//! `benches/fs_memory.rs`).

use std::collections::BTreeMap;
use std::rc::Rc;

/// The page size.
pub(crate) const PAGE: usize = 4096;

type Page = [u8; PAGE];

/// A file's contents.
#[derive(Clone, Debug, Default)]
pub(crate) struct Data {
    len: u64,
    pages: BTreeMap<u64, Rc<Page>>,
}

impl Data {
    /// The length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Copies the bytes at `offset` into `buf`; the count copied (0 at or
    /// past the end).
    pub(crate) fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = (self.len - offset).min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < n {
            let at = offset + done as u64;
            let (page, within) = (at / PAGE as u64, (at % PAGE as u64) as usize);
            let take = (PAGE - within).min(n - done);
            let out = &mut buf[done..done + take];
            match self.pages.get(&page) {
                Some(p) => out.copy_from_slice(&p[within..within + take]),
                None => out.fill(0),
            }
            done += take;
        }
        n
    }

    /// Writes `bytes` at `offset`, growing the file (with a hole in
    /// between) when `offset` is past its end.
    pub(crate) fn write(&mut self, offset: u64, bytes: &[u8]) {
        let mut done = 0;
        while done < bytes.len() {
            let at = offset + done as u64;
            let (page, within) = (at / PAGE as u64, (at % PAGE as u64) as usize);
            let take = (PAGE - within).min(bytes.len() - done);
            let p = self.pages.entry(page).or_insert_with(|| Rc::new([0; PAGE]));
            Rc::make_mut(p)[within..within + take].copy_from_slice(&bytes[done..done + take]);
            done += take;
        }
        self.len = self.len.max(offset + bytes.len() as u64);
    }

    /// Truncates or extends (with zeros) to `len` bytes.
    pub(crate) fn set_len(&mut self, len: u64) {
        if len < self.len {
            let first_gone = len.div_ceil(PAGE as u64);
            self.pages.split_off(&first_gone);
            let within = (len % PAGE as u64) as usize;
            if within != 0 {
                if let Some(p) = self.pages.get_mut(&(len / PAGE as u64)) {
                    Rc::make_mut(p)[within..].fill(0);
                }
            }
        }
        self.len = len;
    }

    /// All the bytes (for tests).
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        let mut out = vec![0; self.len as usize];
        self.read(0, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_across_pages_read_back_and_holes_read_as_zeros() {
        let mut d = Data::default();
        d.write(4090, b"0123456789");
        assert_eq!(d.len(), 4100);
        let mut buf = [9u8; 12];
        assert_eq!(d.read(4088, &mut buf), 12);
        assert_eq!(&buf, b"\0\x000123456789");
        assert_eq!(d.read(0, &mut buf[..4]), 4);
        assert_eq!(&buf[..4], &[0, 0, 0, 0]);
        assert_eq!(d.read(4100, &mut buf), 0);
    }

    #[test]
    fn truncate_then_extend_reads_zeros_where_data_was() {
        let mut d = Data::default();
        d.write(0, &[7; 5000]);
        d.set_len(10);
        d.set_len(5000);
        let v = d.to_vec();
        assert_eq!(&v[..10], &[7; 10]);
        assert!(v[10..].iter().all(|&b| b == 0));
    }

    #[test]
    fn a_clone_shares_pages_until_one_side_writes() {
        let mut a = Data::default();
        a.write(0, &[1; PAGE * 2]);
        let mut b = a.clone();
        b.write(0, &[2]);
        assert_eq!(a.to_vec()[0], 1);
        assert_eq!(b.to_vec()[0], 2);
        assert!(Rc::ptr_eq(&a.pages[&1], &b.pages[&1]));
        assert!(!Rc::ptr_eq(&a.pages[&0], &b.pages[&0]));
    }
}
