-- A neutralized copy must not send product data to the seller's language
-- model endpoint (its API key goes with amazon_pii's secrets).
UPDATE amazon_account SET copy_llm_url = NULL;
