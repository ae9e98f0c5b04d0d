//! Rijndael with a 256-bit key, for 128-bit and 256-bit blocks.
//!
//! HealthVault's `hmac-sha256-aes256` packages are not AES: the .NET SDK encrypted them with
//! `RijndaelManaged` at a 256-bit *block* size, which AES (FIPS-197) fixed at 128 bits. No
//! well-kept Rust crate implements Rijndael's larger blocks (RustCrypto's `aes` is AES only, and
//! the crates that do are unmaintained or panic on malformed input), so the cipher is written
//! here from the Rijndael specification. The 128-bit block exists so that the same code can be
//! checked against FIPS-197's AES-256 known-answer vector; packages use the 256-bit block only.
//!
//! The S-boxes are computed at compile time from their definition (the multiplicative inverse in
//! GF(2^8) followed by the affine map) rather than typed in, so a typo cannot hide in them. The
//! table lookups are not constant-time; the key is derived from the answer the person types and
//! decrypts data already stored on the server, so a cache-timing observer would need to share the
//! machine with the Platform.

use zeroize::Zeroize;

/// The key length, in bytes: packages only use 256-bit keys.
pub(crate) const KEY_LEN: usize = 32;

/// The number of rounds for a 256-bit key, with either block size (Nr = max(Nk, Nb) + 6).
const ROUNDS: usize = 14;

/// The largest block, in bytes; round keys are stored at this width.
const MAX_BLOCK_LEN: usize = 32;

/// The block sizes this implementation supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RijndaelBlock {
    /// 128-bit blocks: AES-256.
    #[cfg_attr(not(test), allow(dead_code, reason = "only the tests use AES's block, against FIPS-197"))]
    Bits128,
    /// 256-bit blocks, as HealthVault's packages use.
    Bits256,
}

impl RijndaelBlock {
    /// The block length in bytes.
    pub(crate) const fn len(self) -> usize {
        match self {
            Self::Bits128 => 16,
            Self::Bits256 => 32,
        }
    }

    /// The number of 32-bit columns in the state (Nb).
    const fn columns(self) -> usize {
        self.len() / 4
    }

    /// How far ShiftRows rotates rows 1, 2 and 3 to the left. Rijndael's offsets depend on the
    /// block size: 1, 2, 3 for four columns (as AES), but 1, 3, 4 for eight.
    const fn row_shifts(self) -> [usize; 3] {
        match self {
            Self::Bits128 => [1, 2, 3],
            Self::Bits256 => [1, 3, 4],
        }
    }
}

/// A Rijndael key schedule for one block size. The round keys are erased when it is dropped.
#[derive(Clone)]
pub(crate) struct Rijndael {
    block: RijndaelBlock,
    /// Round key `r` occupies the first `block.len()` bytes of `round_keys[r]`, in the state's
    /// byte order (column by column).
    round_keys: [[u8; MAX_BLOCK_LEN]; ROUNDS + 1],
}

impl Rijndael {
    /// Expands `key` for `block` (FIPS-197 section 5.2, which Rijndael shares for every block size;
    /// the schedule simply runs until it has Nb * (Nr + 1) words).
    pub(crate) fn new(key: &[u8; KEY_LEN], block: RijndaelBlock) -> Self {
        const KEY_WORDS: usize = KEY_LEN / 4;
        let columns = block.columns();
        let total_words = columns * (ROUNDS + 1);
        let mut words = [[0u8; 4]; MAX_BLOCK_LEN / 4 * (ROUNDS + 1)];
        for (index, word) in words.iter_mut().take(KEY_WORDS).enumerate() {
            word.copy_from_slice(&key[index * 4..index * 4 + 4]);
        }
        let mut round_constant = 1u8;
        for index in KEY_WORDS..total_words {
            let mut temporary = words[index - 1];
            if index % KEY_WORDS == 0 {
                temporary.rotate_left(1);
                temporary = temporary.map(|byte| SBOX[usize::from(byte)]);
                temporary[0] ^= round_constant;
                round_constant = xtime(round_constant);
            } else if index % KEY_WORDS == 4 {
                // The extra substitution Rijndael applies to keys longer than six words.
                temporary = temporary.map(|byte| SBOX[usize::from(byte)]);
            }
            let previous = words[index - KEY_WORDS];
            words[index] = [
                previous[0] ^ temporary[0],
                previous[1] ^ temporary[1],
                previous[2] ^ temporary[2],
                previous[3] ^ temporary[3],
            ];
        }
        let mut round_keys = [[0u8; MAX_BLOCK_LEN]; ROUNDS + 1];
        for (round, round_key) in round_keys.iter_mut().enumerate() {
            for column in 0..columns {
                round_key[column * 4..column * 4 + 4].copy_from_slice(&words[round * columns + column]);
            }
        }
        words.zeroize();
        Self { block, round_keys }
    }

    /// The block length in bytes.
    pub(crate) fn block_len(&self) -> usize {
        self.block.len()
    }

    /// Encrypts one block in place. `block` must be exactly one block long; the CBC layer
    /// guarantees it.
    pub(crate) fn encrypt_block(&self, block: &mut [u8]) {
        debug_assert_eq!(block.len(), self.block_len());
        self.add_round_key(block, 0);
        for round in 1..ROUNDS {
            sub_bytes(block, &SBOX);
            self.shift_rows(block);
            mix_columns(block);
            self.add_round_key(block, round);
        }
        sub_bytes(block, &SBOX);
        self.shift_rows(block);
        self.add_round_key(block, ROUNDS);
    }

    /// Decrypts one block in place with the straightforward inverse cipher.
    pub(crate) fn decrypt_block(&self, block: &mut [u8]) {
        debug_assert_eq!(block.len(), self.block_len());
        self.add_round_key(block, ROUNDS);
        for round in (1..ROUNDS).rev() {
            self.inverse_shift_rows(block);
            sub_bytes(block, &INVERSE_SBOX);
            self.add_round_key(block, round);
            inverse_mix_columns(block);
        }
        self.inverse_shift_rows(block);
        sub_bytes(block, &INVERSE_SBOX);
        self.add_round_key(block, 0);
    }

    fn add_round_key(&self, block: &mut [u8], round: usize) {
        for (byte, key_byte) in block.iter_mut().zip(&self.round_keys[round]) {
            *byte ^= key_byte;
        }
    }

    /// Rotates row `r` of the state left by its offset. Byte `row + 4 * column` of the block is
    /// the state's entry at (`row`, `column`).
    fn shift_rows(&self, block: &mut [u8]) {
        let columns = self.block.columns();
        for (row, shift) in (1..4).zip(self.block.row_shifts()) {
            let mut row_bytes = [0u8; MAX_BLOCK_LEN / 4];
            for (column, slot) in row_bytes.iter_mut().take(columns).enumerate() {
                *slot = block[row + 4 * ((column + shift) % columns)];
            }
            for (column, byte) in row_bytes.iter().take(columns).enumerate() {
                block[row + 4 * column] = *byte;
            }
        }
    }

    fn inverse_shift_rows(&self, block: &mut [u8]) {
        let columns = self.block.columns();
        for (row, shift) in (1..4).zip(self.block.row_shifts()) {
            let mut row_bytes = [0u8; MAX_BLOCK_LEN / 4];
            for (column, slot) in row_bytes.iter_mut().take(columns).enumerate() {
                *slot = block[row + 4 * ((column + columns - shift) % columns)];
            }
            for (column, byte) in row_bytes.iter().take(columns).enumerate() {
                block[row + 4 * column] = *byte;
            }
        }
    }
}

impl Drop for Rijndael {
    fn drop(&mut self) {
        self.round_keys.zeroize();
    }
}

impl std::fmt::Debug for Rijndael {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Rijndael").field("block", &self.block).finish_non_exhaustive()
    }
}

fn sub_bytes(block: &mut [u8], table: &[u8; 256]) {
    for byte in block {
        *byte = table[usize::from(*byte)];
    }
}

fn mix_columns(block: &mut [u8]) {
    for column in block.chunks_exact_mut(4) {
        let [a0, a1, a2, a3] = [column[0], column[1], column[2], column[3]];
        column[0] = xtime(a0) ^ (xtime(a1) ^ a1) ^ a2 ^ a3;
        column[1] = a0 ^ xtime(a1) ^ (xtime(a2) ^ a2) ^ a3;
        column[2] = a0 ^ a1 ^ xtime(a2) ^ (xtime(a3) ^ a3);
        column[3] = (xtime(a0) ^ a0) ^ a1 ^ a2 ^ xtime(a3);
    }
}

fn inverse_mix_columns(block: &mut [u8]) {
    for column in block.chunks_exact_mut(4) {
        let [a0, a1, a2, a3] = [column[0], column[1], column[2], column[3]];
        column[0] = multiply(a0, 0x0e) ^ multiply(a1, 0x0b) ^ multiply(a2, 0x0d) ^ multiply(a3, 0x09);
        column[1] = multiply(a0, 0x09) ^ multiply(a1, 0x0e) ^ multiply(a2, 0x0b) ^ multiply(a3, 0x0d);
        column[2] = multiply(a0, 0x0d) ^ multiply(a1, 0x09) ^ multiply(a2, 0x0e) ^ multiply(a3, 0x0b);
        column[3] = multiply(a0, 0x0b) ^ multiply(a1, 0x0d) ^ multiply(a2, 0x09) ^ multiply(a3, 0x0e);
    }
}

/// Multiplies by x (that is, 2) in GF(2^8) modulo Rijndael's polynomial x^8 + x^4 + x^3 + x + 1,
/// without a branch on the value.
const fn xtime(value: u8) -> u8 {
    (value << 1) ^ ((value >> 7) * 0x1b)
}

/// Multiplies two elements of GF(2^8), without a branch on either value.
const fn multiply(mut left: u8, mut right: u8) -> u8 {
    let mut product = 0u8;
    let mut bit = 0;
    while bit < 8 {
        product ^= left & (right & 1).wrapping_neg();
        left = xtime(left);
        right >>= 1;
        bit += 1;
    }
    product
}

/// The multiplicative inverse in GF(2^8), with 0 mapped to 0: value^254, since every non-zero
/// element satisfies value^255 = 1.
const fn inverse(value: u8) -> u8 {
    let mut result = 1u8;
    let mut base = value;
    let mut exponent = 254u32;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = multiply(result, base);
        }
        base = multiply(base, base);
        exponent >>= 1;
    }
    result
}

/// SubBytes' table: the inverse, then the affine transformation of FIPS-197 section 5.1.1.
const fn build_sbox() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut index = 0;
    while index < 256 {
        let inverted = inverse(index as u8);
        table[index] = inverted
            ^ inverted.rotate_left(1)
            ^ inverted.rotate_left(2)
            ^ inverted.rotate_left(3)
            ^ inverted.rotate_left(4)
            ^ 0x63;
        index += 1;
    }
    table
}

const fn build_inverse_sbox(sbox: &[u8; 256]) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut index = 0;
    while index < 256 {
        table[sbox[index] as usize] = index as u8;
        index += 1;
    }
    table
}

const SBOX: [u8; 256] = build_sbox();
const INVERSE_SBOX: [u8; 256] = build_inverse_sbox(&SBOX);

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|index| u8::from_str_radix(&text[index..index + 2], 16).unwrap()).collect()
    }

    fn counting_key() -> [u8; KEY_LEN] {
        std::array::from_fn(|index| index as u8)
    }

    #[test]
    fn the_computed_sbox_has_fips_197s_known_entries() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0xff], 0x16);
        assert_eq!(INVERSE_SBOX[0x63], 0x00);
    }

    /// FIPS-197 Appendix C.3: AES-256, the 128-bit block.
    #[test]
    fn aes_256_matches_fips_197_appendix_c3() {
        let cipher = Rijndael::new(&counting_key(), RijndaelBlock::Bits128);
        let mut block = hex("00112233445566778899aabbccddeeff");
        cipher.encrypt_block(&mut block);
        assert_eq!(block, hex("8ea2b7ca516745bfeafc49904b496089"));
        cipher.decrypt_block(&mut block);
        assert_eq!(block, hex("00112233445566778899aabbccddeeff"));
    }

    /// Known answers for the 256-bit block, generated with the PyPI package `py3rijndael` 0.3.3
    /// (`Rijndael(key, block_size=32).encrypt(block)`), an independent implementation.
    #[test]
    fn the_256_bit_block_matches_py3rijndael() {
        let cases = [
            (
                counting_key().to_vec(),
                (0..32).collect::<Vec<u8>>(),
                hex("623d2bd4ca3796dc3d02ecf2f37fb637fd3da58509cebb67ab9265b04db51e7d"),
            ),
            (vec![0; 32], vec![0; 32], hex("c6227e7740b7e53b5cb77865278eab0726f62366d9aabad908936123a1fc8af3")),
        ];
        for (key, plaintext, ciphertext) in cases {
            let key: [u8; KEY_LEN] = key.try_into().unwrap();
            let cipher = Rijndael::new(&key, RijndaelBlock::Bits256);
            let mut block = plaintext.clone();
            cipher.encrypt_block(&mut block);
            assert_eq!(block, ciphertext);
            cipher.decrypt_block(&mut block);
            assert_eq!(block, plaintext);
        }
    }

    #[test]
    fn debug_output_leaves_the_round_keys_out() {
        let cipher = Rijndael::new(&counting_key(), RijndaelBlock::Bits256);
        assert_eq!(format!("{cipher:?}"), "Rijndael { block: Bits256, .. }");
    }
}
