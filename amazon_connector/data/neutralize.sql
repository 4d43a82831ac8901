-- A neutralized copy must never talk to Amazon or the seller's tracking
-- provider: stop every sync and point accounts at a host that cannot resolve
-- (an empty endpoint would mean Amazon production). amazon_pii's
-- neutralization deletes the credentials.
UPDATE amazon_account
   SET sync_orders = false,
       sync_listings = false,
       endpoint_url = 'https://neutralized.invalid',
       lwa_url = 'https://neutralized.invalid/auth/o2/token',
       tracking_share_url = NULL;
-- Every cron of this module talks to Amazon: all of them stop.
UPDATE ir_cron SET active = false
 WHERE id IN (SELECT cron_id FROM amazon_account WHERE cron_id IS NOT NULL)
    OR id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'amazon_connector' AND model = 'ir.cron');
-- The labels were destroyed with the vault's copies (amazon_pii); labels of
-- earlier versions were attachments: removed too.
UPDATE stock_picking SET amazon_has_label = false WHERE amazon_has_label;
DELETE FROM ir_attachment WHERE res_model = 'stock.picking' AND res_field = 'amazon_label';
