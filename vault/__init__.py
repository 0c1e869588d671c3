"""The evidence vault: streaming envelope encryption of files, their storage and serving (DESIGN section 5).

Knows no case rules: a domain model that keeps an encrypted file inherits `vault.models.EncryptedFile`
and decides who may add, read or dispose of it.
"""
