-- A neutralized copy must never talk to Amazon: stop every sync and forget
-- where the live endpoints are (credentials are unreadable already: the
-- amazon_pii neutralization drops every wrapped key).
UPDATE amazon_account SET sync_orders = false, endpoint_url = NULL, lwa_url = NULL;
UPDATE ir_cron SET active = false
 WHERE id IN (SELECT cron_id FROM amazon_account WHERE cron_id IS NOT NULL);
