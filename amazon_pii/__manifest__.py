{
    "name": "Amazon PII Vault",
    "summary": "Encrypted, audited storage of Amazon buyer data under Amazon's "
    "Data Protection Policy",
    "version": "18.0.1.1.0",
    "category": "Sales/Amazon",
    "author": "Amazon Seller Suite Authors",
    "license": "LGPL-3",
    "depends": ["base", "mail", "auth_totp", "password_security"],
    "external_dependencies": {"python": ["cryptography"]},
    "data": [
        "security/amazon_security.xml",
        "security/ir.model.access.csv",
        "security/amazon_pii_rules.xml",
        "data/ir_cron.xml",
        "views/pii_audit_views.xml",
        "views/pii_entry_info_views.xml",
        "views/pii_hold_views.xml",
        "views/pii_incident_views.xml",
        "views/key_retire_wizard_views.xml",
        "views/step_up_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        # Logins (issue #18, item 1)
        "data/login_security.xml",
        "views/login_security_views.xml",
        "views/login_security_menus.xml",
        # Encrypted backups (docs/data-protection.md #5): its menu needs menus.xml.
        "views/pii_backup_log_views.xml",
    ],
    "installable": True,
}
