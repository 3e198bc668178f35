// Electron safeStorage as the credential vault's cipher (src-main/upload/credentials.ts): the OS keychain on
// macOS, DPAPI on Windows, libsecret/kwallet on Linux. Where Linux has no keyring, safeStorage falls back to
// a fixed built-in password ('basic_text'), which is obfuscation, not protection: then there is no cipher
// and the vault keeps keys for the session only, which the Settings screen says.
import { safeStorage } from 'electron'
import type { SecretCipher } from '../upload/credentials'

export function safeStorageCipher(): SecretCipher | null {
  if (!safeStorage.isEncryptionAvailable()) return null
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return null
  return {
    encrypt: async (plain) => safeStorage.encryptString(plain),
    decrypt: async (sealed) => safeStorage.decryptString(sealed),
  }
}
