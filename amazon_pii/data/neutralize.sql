-- A copied database must not be able to decrypt buyer data, even with the
-- production key file: destroy every wrapped data key (crypto-shredding).
UPDATE amazon_pii_entry SET wrapped_key = NULL;
-- Seller credentials have no business in a copy at all
-- (docs/data-protection.md #6).
DELETE FROM amazon_pii_entry WHERE classification = 'secret';
-- Stop the copy from mailing Amazon's security team about test incidents.
INSERT INTO ir_config_parameter (key, value)
     VALUES ('amazon_pii.incident_notify_address', 'neutralized@example.invalid')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
-- Shipping labels print the recipient's address: destroyed outright
-- (docs/data-protection.md #22).
DELETE FROM amazon_pii_entry WHERE field_key LIKE 'shipping\_label#%';
