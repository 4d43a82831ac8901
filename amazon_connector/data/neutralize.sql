-- A neutralized copy must never talk to Amazon: stop every sync and point
-- accounts at a host that cannot resolve (an empty endpoint would mean Amazon
-- production). amazon_pii's neutralization deletes the credentials.
UPDATE amazon_account
   SET sync_orders = false,
       endpoint_url = 'https://neutralized.invalid',
       lwa_url = 'https://neutralized.invalid/auth/o2/token';
UPDATE ir_cron SET active = false
 WHERE id IN (SELECT cron_id FROM amazon_account WHERE cron_id IS NOT NULL);
