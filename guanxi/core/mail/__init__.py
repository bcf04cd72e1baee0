"""E-mail in and out (guanxi/core/mail): the shared layer the apps file mail through.

- servers: fetch new messages from an IMAP folder (UID-based) and send through SMTP with threading headers;
  failures a person can fix become MailServerError with a translated message naming the field
- message: parse raw messages (sender, recipients, subject, text body with an HTML fallback, attachments)
- poll: the periodic job reading every mailbox a handler registers (`registry.add_mailbox_handler`), filing each
  message once (by Message-ID); `mail_thread` / `mail_filed_as` thread replies onto the record they belong to
- crypto: secrets encrypted at rest (mailbox passwords, webhook secrets) with GUANXI_ENCRYPTION_KEYS
"""
