//! Cipher block chaining over the two block ciphers packages use, with the padding rules the
//! .NET SDK's output forces on us.
//!
//! CBC is written here rather than taken from the `cbc` crate because one of the two block
//! ciphers (Rijndael with a 256-bit block) is our own, and the loop is a few lines. Padding:
//! .NET padded with ISO 10126 (random bytes, then a final byte giving the padding's length), so
//! decryption reads only the final byte and ignores the others; encryption writes PKCS#7, which
//! is one of the paddings ISO 10126 allows and which every decryptor accepts.

use des::TdesEde3;
use des::cipher::{Array, Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use crate::rijndael::{self, Rijndael, RijndaelBlock};

/// The block cipher of one package, keyed.
#[derive(Debug)]
pub(crate) enum BlockCipher {
    /// Rijndael with 256-bit blocks and a 256-bit key (`hmac-sha256-aes256`).
    Rijndael(Rijndael),
    /// Three-key triple DES, encrypt-decrypt-encrypt (`hmac-sha1-3des`).
    TripleDes(TdesEde3),
}

/// The largest block either cipher has, in bytes.
const MAX_BLOCK_LEN: usize = 32;

impl BlockCipher {
    pub(crate) fn rijndael(key: &[u8; rijndael::KEY_LEN], block: RijndaelBlock) -> Self {
        Self::Rijndael(Rijndael::new(key, block))
    }

    pub(crate) fn triple_des(key: &[u8; 24]) -> Self {
        Self::TripleDes(TdesEde3::new(&Array::from(*key)))
    }

    pub(crate) fn block_len(&self) -> usize {
        match self {
            Self::Rijndael(cipher) => cipher.block_len(),
            Self::TripleDes(_) => 8,
        }
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        match self {
            Self::Rijndael(cipher) => cipher.encrypt_block(block),
            Self::TripleDes(cipher) => {
                let mut array = Block::<TdesEde3>::default();
                array.copy_from_slice(block);
                cipher.encrypt_block(&mut array);
                block.copy_from_slice(&array);
            }
        }
    }

    fn decrypt_block(&self, block: &mut [u8]) {
        match self {
            Self::Rijndael(cipher) => cipher.decrypt_block(block),
            Self::TripleDes(cipher) => {
                let mut array = Block::<TdesEde3>::default();
                array.copy_from_slice(block);
                cipher.decrypt_block(&mut array);
                block.copy_from_slice(&array);
            }
        }
    }

    /// Pads `plaintext` with PKCS#7 and encrypts it in CBC mode from `iv`. The result is always
    /// one to `block_len` bytes longer than the input, and a whole number of blocks.
    pub(crate) fn encrypt_cbc(&self, iv: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let block_len = self.block_len();
        debug_assert_eq!(iv.len(), block_len);
        let padding_len = block_len - plaintext.len() % block_len;
        let mut output = Vec::with_capacity(plaintext.len() + padding_len);
        output.extend_from_slice(plaintext);
        // The padding length is at most 32, so it fits a byte.
        output.resize(plaintext.len() + padding_len, padding_len as u8);
        let mut previous = [0u8; MAX_BLOCK_LEN];
        previous[..block_len].copy_from_slice(iv);
        for block in output.chunks_exact_mut(block_len) {
            for (byte, chained) in block.iter_mut().zip(&previous) {
                *byte ^= chained;
            }
            self.encrypt_block(block);
            previous[..block_len].copy_from_slice(block);
        }
        output
    }

    /// Decrypts `ciphertext` in CBC mode from `iv` and removes the padding. Returns `None` when
    /// the ciphertext is empty or not whole blocks (callers report those first, with their own
    /// errors), or when the final byte is not a padding length from 1 to the block length.
    pub(crate) fn decrypt_cbc(&self, iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let block_len = self.block_len();
        debug_assert_eq!(iv.len(), block_len);
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block_len) {
            return None;
        }
        let mut output = ciphertext.to_vec();
        let mut previous = [0u8; MAX_BLOCK_LEN];
        previous[..block_len].copy_from_slice(iv);
        for block in output.chunks_exact_mut(block_len) {
            let mut this_ciphertext = [0u8; MAX_BLOCK_LEN];
            this_ciphertext[..block_len].copy_from_slice(block);
            self.decrypt_block(block);
            for (byte, chained) in block.iter_mut().zip(&previous) {
                *byte ^= chained;
            }
            previous = this_ciphertext;
        }
        let padding_len = usize::from(*output.last()?);
        if padding_len == 0 || padding_len > block_len {
            return None;
        }
        output.truncate(output.len() - padding_len);
        Some(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|index| u8::from_str_radix(&text[index..index + 2], 16).unwrap()).collect()
    }

    fn rijndael_256() -> (BlockCipher, Vec<u8>) {
        let key: [u8; 32] = std::array::from_fn(|index| 0x20 + index as u8);
        let iv: Vec<u8> = (0x40..0x60).collect();
        (BlockCipher::rijndael(&key, RijndaelBlock::Bits256), iv)
    }

    /// Generated with `py3rijndael` 0.3.3: `RijndaelCbc(key, iv, Pkcs7Padding(32), 32)` over the
    /// same key, IV and sentence.
    #[test]
    fn rijndael_cbc_with_pkcs7_matches_py3rijndael() {
        let (cipher, iv) = rijndael_256();
        let plaintext = b"The quick brown fox jumps over the lazy dog";
        let expected = hex(concat!(
            "66a80e8d0b69abdbbd3f4faf371b0a2ad578618920fb3e3244a00ce21fe8a8b4",
            "cbac6d6166e29e4a9f8e63b5dcd59d40908edfe5a7dd03f470ba9f785ef5754f",
        ));
        assert_eq!(cipher.encrypt_cbc(&iv, plaintext), expected);
        assert_eq!(cipher.decrypt_cbc(&iv, &expected).unwrap(), plaintext);
    }

    #[test]
    fn aligned_input_gains_a_whole_block_of_padding() {
        let (cipher, iv) = rijndael_256();
        assert_eq!(cipher.encrypt_cbc(&iv, &[7; 64]).len(), 96);
        assert_eq!(cipher.encrypt_cbc(&iv, &[]).len(), 32);
        assert_eq!(cipher.decrypt_cbc(&iv, &cipher.encrypt_cbc(&iv, &[])).unwrap(), Vec::<u8>::new());
    }

    /// ISO 10126 fills the padding with arbitrary bytes; only the last byte counts.
    #[test]
    fn iso_10126_padding_is_accepted() {
        let (cipher, iv) = rijndael_256();
        let mut padded = b"eleven byte".to_vec();
        padded.extend_from_slice(&[0xa5; 20]);
        padded.push(21);
        let ciphertext = cipher.encrypt_cbc(&iv, &padded);
        // The hand-padded input is one aligned block, so the first ciphertext block is its
        // encryption alone; the PKCS#7 block `encrypt_cbc` added after it is dropped.
        assert_eq!(cipher.decrypt_cbc(&iv, &ciphertext[..32]).unwrap(), b"eleven byte");
    }

    #[test]
    fn impossible_padding_lengths_are_refused() {
        let (cipher, iv) = rijndael_256();
        for last in [0u8, 33, 255] {
            let mut block = [1u8; 32];
            block[31] = last;
            let ciphertext = cipher.encrypt_cbc(&iv, &block);
            assert_eq!(cipher.decrypt_cbc(&iv, &ciphertext[..32]), None, "a final byte of {last}");
        }
        assert_eq!(cipher.decrypt_cbc(&iv, &[]), None);
        assert_eq!(cipher.decrypt_cbc(&iv, &[0; 31]), None);
    }

    #[test]
    fn triple_des_cbc_round_trips() {
        let cipher = BlockCipher::triple_des(&std::array::from_fn(|index| index as u8 * 7));
        let iv = [9u8; 8];
        for length in [0, 1, 7, 8, 9, 100] {
            let plaintext: Vec<u8> = (0..length).map(|index| index as u8).collect();
            let ciphertext = cipher.encrypt_cbc(&iv, &plaintext);
            assert_eq!(ciphertext.len(), (length / 8 + 1) * 8);
            assert_eq!(cipher.decrypt_cbc(&iv, &ciphertext).unwrap(), plaintext);
        }
    }
}
