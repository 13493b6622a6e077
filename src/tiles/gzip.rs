//! Gzip for tile bodies (RFC 1952) with one deflate state per thread, reset between tiles.
//!
//! A fresh deflate state allocates and zeroes its window and hash tables (a few hundred KB) —
//! for the small tiles of deep zooms that costs more than compressing them. Tiles are rendered
//! on the blocking pool and the prerender thread, so each such thread keeps one state and resets
//! it; the gzip header and trailer (CRC-32 and length) are written here around the raw deflate
//! stream.

use std::cell::RefCell;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// Gzip header: magic, deflate, no flags, no mtime, "fastest" (XFL 4), unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];

/// `data` gzipped at the fast level, and its CRC-32 (which also serves the ETag).
pub fn gzip(data: &[u8]) -> (Vec<u8>, u32) {
    let mut crc = Crc::new();
    crc.update(data);
    let mut out = Vec::with_capacity(HEADER.len() + data.len() / 2 + 64);
    out.extend_from_slice(&HEADER);
    let deflated = DEFLATE.with(|d| {
        let mut d = d.borrow_mut();
        let done = deflate(&mut d, data, &mut out);
        if done.is_err() {
            // Never expected (the output always has room); start the next tile from a new state.
            *d = Compress::new(Compression::fast(), false);
        }
        done
    });
    if deflated.is_err() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
        return (gz.write_all(data).and_then(|_| gz.finish()).unwrap_or_default(), crc.sum());
    }
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    (out, crc.sum())
}

/// One raw deflate stream of `data` appended to `out`, the state reset first.
fn deflate(d: &mut Compress, data: &[u8], out: &mut Vec<u8>) -> Result<(), flate2::CompressError> {
    d.reset();
    loop {
        let consumed = d.total_in() as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.len() / 2 + 64);
        }
        // compress_vec writes into the spare capacity only.
        if d.compress_vec(&data[consumed..], out, FlushCompress::Finish)? == Status::StreamEnd {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn a_reused_state_gzips_every_body_readably() {
        // Different sizes in a row on one thread: each must decode to itself.
        for n in [0usize, 1, 100, 70_000, 5, 300_000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let (gz, crc) = super::gzip(&data);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).expect("valid gzip");
            assert_eq!(back, data, "size {n}");
            let mut c = flate2::Crc::new();
            c.update(&data);
            assert_eq!(crc, c.sum());
        }
    }
}
