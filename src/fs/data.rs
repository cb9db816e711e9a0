//! A file's bytes, in pages shared between a disk's two images.
//!
//! A file is a length and a sparse, two-level map of 4 KiB pages: chunks of
//! 256 page slots (1 MiB of file), kept in a `BTreeMap` by chunk number. A
//! page that is not in the map reads as zeros (a hole). Pages and chunks are
//! both reference-counted, so the durable and the volatile image of a synced
//! file share them: a clone of a file (what `sync_data` and a crash do)
//! costs one count per MiB of file, and a write copies only the chunk's
//! slot array (2 KiB) and the page it changes (`Rc::make_mut`). One GiB of
//! synced data costs one GiB and about 1.1% of map and allocation overhead
//! (measured by `benches/fs_memory.rs`).

use std::collections::BTreeMap;
use std::rc::Rc;

/// The page size.
pub(crate) const PAGE: usize = 4096;

/// Page slots per chunk.
const CHUNK: u64 = 256;

type Page = [u8; PAGE];
type Chunk = [Option<Rc<Page>>; CHUNK as usize];

/// A file's contents.
#[derive(Clone, Debug, Default)]
pub(crate) struct Data {
    len: u64,
    chunks: BTreeMap<u64, Rc<Chunk>>,
}

impl Data {
    /// The length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    fn page(&self, page: u64) -> Option<&Page> {
        let chunk = self.chunks.get(&(page / CHUNK))?;
        chunk[(page % CHUNK) as usize].as_deref()
    }

    /// The page `page`, made (zeroed) if it is a hole, unshared.
    fn page_mut(&mut self, page: u64) -> &mut Page {
        let chunk = self
            .chunks
            .entry(page / CHUNK)
            .or_insert_with(|| Rc::new([const { None }; CHUNK as usize]));
        let slot = &mut Rc::make_mut(chunk)[(page % CHUNK) as usize];
        Rc::make_mut(slot.get_or_insert_with(|| Rc::new([0; PAGE])))
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
            match self.page(page) {
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
            self.page_mut(page)[within..within + take].copy_from_slice(&bytes[done..done + take]);
            done += take;
        }
        self.len = self.len.max(offset + bytes.len() as u64);
    }

    /// Truncates or extends (with zeros) to `len` bytes.
    pub(crate) fn set_len(&mut self, len: u64) {
        if len < self.len {
            let first_gone = len.div_ceil(PAGE as u64);
            self.chunks.split_off(&first_gone.div_ceil(CHUNK));
            if first_gone % CHUNK != 0 {
                if let Some(chunk) = self.chunks.get_mut(&(first_gone / CHUNK)) {
                    let slots = &mut Rc::make_mut(chunk)[(first_gone % CHUNK) as usize..];
                    slots.fill(None);
                }
            }
            let within = (len % PAGE as u64) as usize;
            if within != 0 && self.page(len / PAGE as u64).is_some() {
                self.page_mut(len / PAGE as u64)[within..].fill(0);
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
        let slot = |d: &Data, page: usize| d.chunks[&0][page].clone().unwrap();
        assert!(Rc::ptr_eq(&slot(&a, 1), &slot(&b, 1)));
        assert!(!Rc::ptr_eq(&slot(&a, 0), &slot(&b, 0)));
    }

    #[test]
    fn a_clone_shares_whole_chunks_the_other_side_did_not_touch() {
        let chunk = CHUNK as usize * PAGE;
        let mut a = Data::default();
        a.write(0, &vec![1; chunk * 3]);
        let mut b = a.clone();
        b.write(chunk as u64 + 5, &[2]);
        assert!(Rc::ptr_eq(&a.chunks[&0], &b.chunks[&0]));
        assert!(!Rc::ptr_eq(&a.chunks[&1], &b.chunks[&1]));
        assert!(Rc::ptr_eq(&a.chunks[&2], &b.chunks[&2]));
        assert_eq!(a.to_vec()[chunk + 5], 1);
        assert_eq!(b.to_vec()[chunk + 5], 2);
    }

    #[test]
    fn truncation_inside_and_at_chunk_edges_keeps_exactly_the_prefix() {
        let chunk = CHUNK * PAGE as u64;
        for len in [
            0,
            1,
            PAGE as u64,
            chunk - 1,
            chunk,
            chunk + 1,
            2 * chunk + 7,
        ] {
            let mut d = Data::default();
            d.write(0, &vec![9; 3 * chunk as usize]);
            d.set_len(len);
            d.set_len(3 * chunk);
            let v = d.to_vec();
            assert!(v[..len as usize].iter().all(|&b| b == 9), "len {len}");
            assert!(v[len as usize..].iter().all(|&b| b == 0), "len {len}");
            let kept = d.chunks.len() as u64;
            assert_eq!(kept, len.div_ceil(PAGE as u64).div_ceil(CHUNK), "len {len}");
        }
    }
}
