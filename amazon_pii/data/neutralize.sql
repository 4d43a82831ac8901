-- A copied database must not be able to decrypt buyer data, even with the
-- production key file: destroy every wrapped data key (crypto-shredding).
UPDATE amazon_pii_entry SET wrapped_key = NULL;
-- Stop the copy from mailing Amazon's security team about test incidents.
UPDATE ir_config_parameter SET value = 'neutralized@example.invalid'
 WHERE key = 'amazon_pii.incident_notify_address';
